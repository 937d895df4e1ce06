// Throwaway timing harness for the PNG decoder (not a unit test): decodes every PNG under a folder (or the
// files named) several times on one thread and prints megapixels per second. Built by bench_png.sh
// together with the ImageCodecs sources.
import Foundation

@main
struct PNGDecodeTiming {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 4 else {
            print("usage: png_decode_timing LABEL REPEATS FOLDER|FILE...")
            exit(2)
        }
        let label = arguments[1]
        let repeats = Int(arguments[2]) ?? 3
        var files: [[UInt8]] = []
        for argument in arguments[3...] {
            var urls = [URL(fileURLWithPath: argument)]
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder), isFolder.boolValue {
                let enumerator = FileManager.default.enumerator(at: urls[0], includingPropertiesForKeys: nil)
                urls = (enumerator?.allObjects as? [URL] ?? []).sorted { $0.path < $1.path }
            }
            for url in urls where url.pathExtension.lowercased() == "png" {
                files.append([UInt8](try Data(contentsOf: url)))
            }
        }
        var best = Double.infinity
        var pixels = 0
        for _ in 0..<repeats {
            pixels = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for bytes in files {
                if let image = try? PNG.decode(bytes) { pixels += image.width * image.height }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let megapixels = Double(pixels) / 1e6
        print(String(format: "swift PNG  %@: %d files, %.2f MP, best of %d: %.3f s, %.1f MP/s",
                     label, files.count, megapixels, repeats, best, megapixels / best))
    }
}
