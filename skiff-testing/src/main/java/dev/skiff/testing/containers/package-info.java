/**
 * Real OCI containers for tests, the building blocks of a kubelet that runs pods as containers.
 *
 * <ul>
 *   <li>{@link dev.skiff.testing.containers.Podman}: the podman CLI configured for these machines
 *       (private storage, {@code runc}, cgroupfs, host network, no host ulimits): pull by digest
 *       ({@link dev.skiff.testing.containers.ImagePullException} on failure), image config, and
 *       {@link dev.skiff.testing.containers.Podman#start start} of a {@link
 *       dev.skiff.testing.containers.ContainerSpec} into a {@link
 *       dev.skiff.testing.containers.RunningContainer} whose output streams line by line and whose
 *       end is a {@link dev.skiff.testing.containers.ContainerExit}.
 *   <li>{@link dev.skiff.testing.containers.PodCgroup}: a memory cgroup per pod, as a kubelet makes
 *       one, so that a container over the limit is killed by the kernel and seen as OOM-killed.
 *   <li>{@link dev.skiff.testing.containers.JreBaseImage}: a distroless-style JRE image made from
 *       the host JDK with {@code jlink} and Jib, pushed to a registry, cached between runs.
 * </ul>
 *
 * <p>Everything points at loopback: images come from a registry process on 127.0.0.1 and containers
 * share the host network.
 */
package dev.skiff.testing.containers;
