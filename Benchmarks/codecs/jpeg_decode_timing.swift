// Throwaway timing harness for the JPEG decoder (not a unit test): decodes every JPEG under a folder
// several times on one thread and prints megapixels per second. Built by bench_jpeg.sh together with
// the ImageCodecs sources.
import Foundation

@main
struct JPEGDecodeTiming {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            print("usage: jpeg_decode_timing FOLDER [REPEATS]")
            exit(2)
        }
        let repeats = arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3
        let folder = URL(fileURLWithPath: arguments[1])
        var files: [[UInt8]] = []
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard ["jpg", "jpeg"].contains(url.pathExtension.lowercased()) else { continue }
            let bytes = [UInt8](try Data(contentsOf: url))
            if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { files.append(bytes) }
        }
        var best = Double.infinity
        var pixels = 0
        for _ in 0..<repeats {
            pixels = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for bytes in files {
                if let image = try? JPEG.decode(bytes) { pixels += image.width * image.height }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let megapixels = Double(pixels) / 1e6
        print(String(format: "swift JPEG: %d files, %.1f MP, best of %d: %.3f s, %.1f MP/s",
                     files.count, megapixels, repeats, best, megapixels / best))
    }
}
