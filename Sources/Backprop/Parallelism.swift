/// How many threads the matrix products may use. One by default: sweeps run one run per core.
/// A single large run can ask for more around its work:
///
///     try Parallelism.$threads.withValue(4) { try objective.gradient(of: network, on: examples) }
///
/// The products give the same bits with any number of threads.
public enum Parallelism {
  @TaskLocal public static var threads = 1
}
