// libFuzzer entry point for the PNG, inflate, BMP and GIF decoders (built by run-png.sh with
// -sanitize=fuzzer,address and -O, so out-of-bounds accesses trap or are reported by ASan).
// Inputs are routed by their first bytes: PNG signature → PNG.decode and PNG.decode16; "BM" → BMP;
// "GIF8" → GIF; anything else → zlib inflate and raw inflate (capped at 1 MiB).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if bytes.starts(with: PNG.signature) {
        if let image = try? PNG.decode(bytes) {
            precondition(image.pixels.count == image.width * image.height * image.channels)
        }
        _ = try? PNG.decode16(bytes)
    } else if bytes.starts(with: [0x42, 0x4D]) {
        _ = try? BMP.decode(bytes)
    } else if bytes.starts(with: Array("GIF8".utf8)) {
        _ = try? GIF.decode(bytes)
    } else {
        _ = try? Inflate.zlibDecompress(bytes, limit: 1 << 20)
        _ = try? Inflate.decompress(bytes, limit: 1 << 20)
    }
    return 0
}
