// Throwaway timing harness for the image decoders (not a unit test): decodes every file of one format
// under the folders (or the files) named, several times on one thread, and prints megapixels per second.
// Built by bench_jpeg.sh and bench_png.sh together with the ImageCodecs sources; pillow_decode_timing.py
// takes the same arguments.
import Foundation

@main
struct DecodeTiming {
    static func main() throws {
        let arguments = CommandLine.arguments
        let formats: [String: (format: ImageFormat, extensions: Set<String>)] = [
            "jpeg": (.jpeg, ["jpg", "jpeg"]), "png": (.png, ["png"]),
        ]
        guard arguments.count >= 5, let (format, extensions) = formats[arguments[1]], let repeats = Int(arguments[3]) else {
            print("usage: decode_timing jpeg|png LABEL REPEATS FOLDER|FILE...")
            exit(2)
        }
        let label = arguments[2]
        var files: [[UInt8]] = []
        for argument in arguments[4...] {
            let url = URL(fileURLWithPath: argument)
            var isFolder: ObjCBool = false
            var urls = [url]
            if FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder), isFolder.boolValue {
                let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)
                urls = (enumerator?.allObjects as? [URL] ?? []).sorted { $0.path < $1.path }
            }
            for url in urls where extensions.contains(url.pathExtension.lowercased()) {
                let bytes = [UInt8](try Data(contentsOf: url))
                if ImageFormat.detect(bytes) == format { files.append(bytes) }  // e.g. a WebP named .jpg is left out
            }
        }
        var best = Double.infinity
        var pixels = 0
        for _ in 0..<repeats {
            pixels = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for bytes in files {
                if let image = try? decodeImage(bytes) { pixels += image.width * image.height }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let megapixels = Double(pixels) / 1e6
        print(String(format: "swift %@ %@: %d files, %.2f MP, best of %d: %.3f s, %.1f MP/s",
                     arguments[1].uppercased(), label, files.count, megapixels, repeats, best, megapixels / best))
    }
}
