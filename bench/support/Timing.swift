import Dispatch

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The wall time `body` takes, in seconds.
public func seconds(_ body: () throws -> Void) rethrows -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  try body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The median of `values` (the mean of the middle two for an even count); 0 for none.
public func median(_ values: [Double]) -> Double {
  guard !values.isEmpty else { return 0 }
  let sorted = values.sorted()
  return sorted.count % 2 == 1
    ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Whose CPU time `cpuSeconds` counts.
public enum CPUTimeOf {
  /// This process.
  case thisProcess
  /// Its children that have ended and been waited for.
  case children
}

/// The CPU seconds, user and system, spent so far by `who`.
public func cpuSeconds(of who: CPUTimeOf) -> Double {
  var usage = rusage()
  #if canImport(Glibc)
    getrusage((who == .thisProcess ? RUSAGE_SELF : RUSAGE_CHILDREN).rawValue, &usage)
  #else
    getrusage(who == .thisProcess ? RUSAGE_SELF : RUSAGE_CHILDREN, &usage)
  #endif
  return [usage.ru_utime, usage.ru_stime].reduce(0) { total, time in
    total + Double(time.tv_sec) + Double(time.tv_usec) / 1e6
  }
}
