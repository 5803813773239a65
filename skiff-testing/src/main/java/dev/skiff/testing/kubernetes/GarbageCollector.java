package dev.skiff.testing.kubernetes;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Garbage collection by owner references, as kube-controller-manager does it: an object whose
 * owners are all gone is deleted (background propagation); owners deleted with {@code Orphan} lose
 * the reference instead; an owner being deleted in the foreground ({@code deletionTimestamp} +
 * finalizer {@code foregroundDeletion}) has its dependents deleted (those with dependents of their
 * own in the foreground too), and loses the finalizer once no dependent whose reference has {@code
 * blockOwnerDeletion: true} is left. An object with one live owner keeps living and loses its
 * references to absent owners and to owners being deleted in the foreground.
 *
 * <p>Dependents are looked for among the kinds the cluster watches (pods, jobs, cronjobs, secrets,
 * configmaps, service accounts, roles, role bindings). Owners can be of any kind: owners not in
 * those caches are looked up on the API server. Runs on every deletion and once a second.
 */
final class GarbageCollector implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(GarbageCollector.class.getName());

  private enum OwnerState {
    PRESENT,
    ABSENT,
    FOREGROUND
  }

  private final Backend backend;
  private final List<SharedIndexInformer<? extends HasMetadata>> caches =
      new CopyOnWriteArrayList<>();
  private final Set<String> orphaned = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "fake-garbage-collector");
            thread.setDaemon(true);
            return thread;
          });
  private final AtomicBoolean pending = new AtomicBoolean();

  GarbageCollector(Backend backend) {
    this.backend = backend;
  }

  void watch(SharedIndexInformer<? extends HasMetadata> informer) {
    caches.add(informer);
  }

  void start() {
    loop.scheduleWithFixedDelay(this::sweepSafely, 1, 1, TimeUnit.SECONDS);
  }

  /** The object with this uid was deleted with propagation {@code Orphan}. */
  void orphan(String uid) {
    if (uid != null && !uid.isEmpty()) {
      orphaned.add(uid);
    }
  }

  /** Something was deleted or is being deleted: sweep soon. */
  void poke() {
    if (pending.compareAndSet(false, true)) {
      try {
        loop.execute(
            () -> {
              pending.set(false);
              sweepSafely();
            });
      } catch (RejectedExecutionException e) {
        // closing
      }
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }

  private void sweepSafely() {
    try {
      sweep();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "garbage collection pass failed", e);
    }
  }

  private void sweep() {
    Map<String, HasMetadata> byUid = new HashMap<>();
    for (SharedIndexInformer<? extends HasMetadata> cache : caches) {
      for (HasMetadata object : cache.getStore().list()) {
        byUid.put(object.getMetadata().getUid(), object);
      }
    }
    // Owner uid -> dependents whose reference to it has blockOwnerDeletion (graph_builder's
    // blockingDependents); only those hold an owner deleted in the foreground.
    Map<String, List<HasMetadata>> blocking = new HashMap<>();
    Set<String> owners = new HashSet<>();
    for (HasMetadata object : byUid.values()) {
      for (OwnerReference ref : refsOf(object)) {
        owners.add(ref.getUid());
        if (Boolean.TRUE.equals(ref.getBlockOwnerDeletion())) {
          blocking.computeIfAbsent(ref.getUid(), k -> new ArrayList<>()).add(object);
        }
      }
    }
    for (HasMetadata object : byUid.values()) {
      List<OwnerReference> refs = refsOf(object);
      if (!refs.isEmpty() && object.getMetadata().getDeletionTimestamp() == null) {
        try {
          collect(object, refs, byUid, owners.contains(object.getMetadata().getUid()));
        } catch (RuntimeException e) {
          // Owner lookup failed: keep the object (when in doubt, a GC does not delete).
          LOG.log(Level.FINE, "cannot check the owners of " + object.getMetadata().getName(), e);
        }
      }
    }
    // Foreground deletions (processDeletingDependentsItem): the owner goes once no dependent
    // blocks it; dependents with non-blocking references are deleted too but not waited for.
    for (HasMetadata object : byUid.values()) {
      if (object.getMetadata().getDeletionTimestamp() != null
          && object.getMetadata().getFinalizers() != null
          && object.getMetadata().getFinalizers().contains(ApiSemantics.FOREGROUND_FINALIZER)
          && blocking.getOrDefault(object.getMetadata().getUid(), List.of()).isEmpty()) {
        removeForegroundFinalizer(object);
      }
    }
  }

  private static List<OwnerReference> refsOf(HasMetadata object) {
    List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
    return refs == null ? List.of() : refs;
  }

  /**
   * attemptToDeleteItem: owners are solid (present), dangling (absent, or another object under the
   * same name) or waiting for their dependents' deletion (foreground). With a solid owner, the
   * object stays and loses its dangling and waiting references; without one it is deleted, in the
   * foreground if an owner waits and the object has dependents of its own. References to owners
   * deleted with {@code Orphan} are removed instead (the orphan finalizer's work).
   */
  private void collect(
      HasMetadata object,
      List<OwnerReference> refs,
      Map<String, HasMetadata> byUid,
      boolean hasDependents) {
    List<OwnerReference> kept = new ArrayList<>();
    boolean solid = false;
    boolean waiting = false;
    List<OwnerReference> stale = new ArrayList<>();
    for (OwnerReference ref : refs) {
      OwnerState state = ownerState(object, ref, byUid);
      if (state == OwnerState.ABSENT && orphaned.contains(ref.getUid())) {
        continue;
      }
      kept.add(ref);
      solid |= state == OwnerState.PRESENT;
      waiting |= state == OwnerState.FOREGROUND;
      if (state != OwnerState.PRESENT) {
        stale.add(ref);
      }
    }
    String path = path(object);
    if (kept.size() < refs.size()) {
      writeOwnerReferences(path, kept);
      if (kept.isEmpty()) {
        return;
      }
    }
    if (solid) {
      if (!stale.isEmpty()) {
        List<OwnerReference> live = new ArrayList<>(kept);
        live.removeAll(stale);
        writeOwnerReferences(path, live);
      }
      return;
    }
    // The cache may still hold an object deleted and created again under the same name (a
    // resumed run's Secret): like attemptToDeleteItem, delete only the object seen, by its uid.
    Optional<ObjectNode> live = backend.get(path);
    if (live.isEmpty()
        || !object
            .getMetadata()
            .getUid()
            .equals(live.get().path("metadata").path("uid").asText())) {
      return;
    }
    if (waiting && hasDependents) {
      deleteInForeground(object);
    } else {
      backend.delete(path);
    }
  }

  private void writeOwnerReferences(String path, List<OwnerReference> refs) {
    ArrayNode list = Backend.JSON.createArrayNode();
    refs.forEach(ref -> list.add(Backend.JSON.valueToTree(ref)));
    backend.jsonPatch(
        path, Backend.setOrRemove("/metadata/ownerReferences", refs.isEmpty() ? null : list, true));
  }

  private void deleteInForeground(HasMetadata object) {
    List<String> finalizers =
        object.getMetadata().getFinalizers() == null
            ? List.of()
            : object.getMetadata().getFinalizers();
    if (!finalizers.contains(ApiSemantics.FOREGROUND_FINALIZER)) {
      ArrayNode list = Backend.JSON.createArrayNode();
      finalizers.forEach(list::add);
      list.add(ApiSemantics.FOREGROUND_FINALIZER);
      backend.jsonPatch(
          path(object), Backend.setOrRemove("/metadata/finalizers", list, !finalizers.isEmpty()));
    }
    backend.delete(path(object)); // with a finalizer: only marked (deletionTimestamp)
  }

  private OwnerState ownerState(
      HasMetadata dependent, OwnerReference ref, Map<String, HasMetadata> byUid) {
    HasMetadata cached = byUid.get(ref.getUid());
    if (cached != null) {
      return stateOf(
          cached.getMetadata().getDeletionTimestamp(), cached.getMetadata().getFinalizers());
    }
    // Not cached (other kind, or the cache lags behind a fresh create): ask the API server.
    String path =
        Backend.objectPath(
            ref.getApiVersion(),
            ref.getKind(),
            dependent.getMetadata().getNamespace(),
            ref.getName());
    Optional<ObjectNode> owner = backend.get(path);
    if (owner.isEmpty()
        || !ref.getUid().equals(owner.get().path("metadata").path("uid").asText())) {
      return OwnerState.ABSENT;
    }
    ObjectNode metadata = (ObjectNode) owner.get().path("metadata");
    List<String> finalizers = new ArrayList<>();
    metadata.path("finalizers").forEach(f -> finalizers.add(f.asText()));
    String deletion =
        metadata.path("deletionTimestamp").isMissingNode()
            ? null
            : metadata.path("deletionTimestamp").asText();
    return stateOf(deletion, finalizers);
  }

  private static OwnerState stateOf(String deletionTimestamp, List<String> finalizers) {
    if (deletionTimestamp != null
        && finalizers != null
        && finalizers.contains(ApiSemantics.FOREGROUND_FINALIZER)) {
      return OwnerState.FOREGROUND;
    }
    return OwnerState.PRESENT;
  }

  private void removeForegroundFinalizer(HasMetadata object) {
    ArrayNode list = Backend.JSON.createArrayNode();
    object.getMetadata().getFinalizers().stream()
        .filter(f -> !ApiSemantics.FOREGROUND_FINALIZER.equals(f))
        .forEach(list::add);
    // Without finalizers, the mock deletes an object that has a deletionTimestamp.
    backend.jsonPatch(
        path(object),
        Backend.setOrRemove("/metadata/finalizers", list.isEmpty() ? null : list, true));
  }

  private static String path(HasMetadata object) {
    return Backend.objectPath(
        object.getApiVersion(),
        object.getKind(),
        object.getMetadata().getNamespace(),
        object.getMetadata().getName());
  }
}
