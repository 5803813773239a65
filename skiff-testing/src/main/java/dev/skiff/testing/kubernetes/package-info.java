/**
 * A fake Kubernetes cluster for tests: {@link dev.skiff.testing.kubernetes.FakeCluster}, the
 * fabric8 mock API server plus a kubelet that runs pods as local processes, pod logs, a Job
 * controller, CronJobs fired on demand, garbage collection and fault injection.
 *
 * <p>Public types: {@link dev.skiff.testing.kubernetes.FakeCluster}, {@link
 * dev.skiff.testing.kubernetes.ImageRegistry}, {@link dev.skiff.testing.kubernetes.FailureKind},
 * {@link dev.skiff.testing.kubernetes.PodFault}, {@link dev.skiff.testing.kubernetes.ApiFault}, and
 * the snapshots {@link dev.skiff.testing.kubernetes.ApiRequest}, {@link
 * dev.skiff.testing.kubernetes.ContainerRun}, {@link dev.skiff.testing.kubernetes.PodRecord}. The
 * package-private classes are the implementation, with no compatibility promise.
 */
package dev.skiff.testing.kubernetes;
