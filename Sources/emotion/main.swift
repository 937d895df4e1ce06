// The `emotion` executable: hands the command line to the runner and exits with its code.

import Foundation
#if os(Linux)

// A training step frees and reallocates the same large activation buffers every step. glibc would hand
// each one back to the OS (mmap/munmap) and page-fault it in again, which cost about half of a
// task1-large step (BENCHMARKS.md). Keeping freed memory in the heap removes that; a buffer arena in the
// tensor storage is the lasting fix.
// glibc's mallopt(3); <malloc.h> is not part of the Glibc module, so it is declared here.
@_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
let mallocTrimThreshold: Int32 = -1, mallocTopPad: Int32 = -2, mallocMmapMax: Int32 = -4  // M_* in <malloc.h>
_ = mallopt(mallocMmapMax, 0)
_ = mallopt(mallocTrimThreshold, Int32.max)
_ = mallopt(mallocTopPad, 256 << 20)
#endif

exit(Runner.run(Array(CommandLine.arguments.dropFirst())))
