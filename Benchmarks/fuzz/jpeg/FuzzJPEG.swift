// libFuzzer entry point for the JPEG decoder: any bytes must give an image or an error, never a trap,
// hang or out-of-bounds access. Built with -sanitize=fuzzer,address by run-jpeg.sh, at -O with
// Swift's runtime checks on, so overflow and bounds traps are findings too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // A lower size limit than the default keeps each run fast and within libFuzzer's memory limit.
    if let image = try? JPEG.decode(bytes, maxPixelCount: 1 << 20) {
        precondition(image.pixels.count == image.width * image.height * image.channels)
    }
    return 0
}
