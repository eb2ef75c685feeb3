#if canImport(Glibc)
import Glibc
#endif

/// The C library's allocator, set once at start.
enum MallocTuning {
    /// glibc's malloc raises its mmap threshold each time a chunk it had mapped is freed (up to
    /// 32 MB). From then on the engine's blocks (256 KB to 1 MB: packed values, key indexes, texts)
    /// come from the heap, where freed memory stays with the process instead of going back to the
    /// system; at a million participants some 90 MB of peak memory was such memory, held by nothing
    /// (the per-key state dropped before the report, arrays that grew). Setting the threshold fixes
    /// it at glibc's default, 128 KB: larger blocks stay mapped and are returned when freed.
    /// `mallopt` is looked up at run time (it is not in the Glibc module); without it, nothing is done.
    static func fixMmapThreshold() {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mMmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in malloc.h
        _ = unsafeBitCast(symbol, to: Mallopt.self)(mMmapThreshold, 128 * 1024)
        #endif
    }
}
