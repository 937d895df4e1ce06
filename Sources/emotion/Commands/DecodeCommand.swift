// `emotion decode`: writes the pixels a model sees for an image file (decoded with our codecs,
// EXIF-oriented, optionally resized with the training resize) as PPM, PGM or PNG, so a user can look.

import Foundation
import EmotionTraining
import EmotionNN
import ImageCodecs

struct DecodeCommand: Command {
    static let name = "decode"
    static let abstract = "Decode an image (optionally resized) to PPM, PGM or PNG: what the model sees."
    static let options: [OptionSpec] = [
        .value("output", "file",
               help: "Where to write: .ppm (RGB), .pgm (grey images only) or .png (RGB); replaced atomically.",
               required: true),
        .value("resize", "WxH", help: "Resize to W x H with the bilinear resize training uses (e.g. 100x100)."),
        .flag("no-orientation", help: "Keep a JPEG's stored pixel order instead of applying its EXIF orientation."),
    ]
    static let positional: PositionalSpec? = PositionalSpec(
        valueName: "file", help: "A JPEG, PNG, BMP or GIF image.", minimumCount: 1)
    static let discussion = """
        Pixels are decoded by emotion's own codecs and turned into model input as training does it: alpha is \
        dropped and grey is repeated into RGB (kept as one channel for .pgm); resized values are rounded to \
        the nearest integer. Exit status: 0 on success, 1 when the output cannot be written, 2 for usage or \
        input errors (missing or undecodable file, unsupported output extension).
        """

    /// The output formats, by file extension.
    enum OutputKind: String, CaseIterable {
        case ppm, pgm, png
    }

    let input: String
    let output: String
    let kind: OutputKind
    let size: (width: Int, height: Int)?
    let appliesOrientation: Bool

    init(_ arguments: ParsedArguments) throws(CLIError) {
        guard arguments.positionals.count == 1 else {
            throw .usage("decode takes one image file, got \(arguments.positionals.count)")
        }
        input = arguments.positionals[0]
        output = arguments.text("output")
        let allowed = OutputKind.allCases.map { "." + $0.rawValue }.joined(separator: ", ")
        guard let kind = OutputKind(rawValue: (output as NSString).pathExtension.lowercased()) else {
            throw .usage("'--output' must end in \(allowed), got '\(output)'")
        }
        self.kind = kind
        size = try arguments.string("resize").map { text throws(CLIError) in try Self.parseSize(text) }
        appliesOrientation = !arguments.flag("no-orientation")
    }

    /// `WxH` with each side from 1 to 16384.
    static func parseSize(_ text: String) throws(CLIError) -> (width: Int, height: Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]),
              (1...16384).contains(width), (1...16384).contains(height) else {
            throw .usage("'--resize' expects WxH with sides from 1 to 16384 (e.g. 100x100), got '\(text)'")
        }
        return (width, height)
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        guard FileManager.default.fileExists(atPath: input) else { throw .input("\(input) does not exist") }
        let bytes = try asInputError("cannot read \(input)") { [UInt8](try Data(contentsOf: URL(fileURLWithPath: input))) }
        let image = try asInputError("cannot decode \(input)") {
            if !appliesOrientation, ImageFormat.detect(bytes) == .jpeg {
                return try JPEG.decode(bytes, applyOrientation: false)
            }
            return try decodeImage(bytes)
        }
        guard image.width > 0 && image.height > 0 else { throw .input("cannot decode \(input): the image has no pixels") }
        if kind == .pgm && image.channels > 2 {
            throw .input("\(input) is a colour image and .pgm holds grey only: write .ppm or .png instead")
        }
        let view = modelView(of: image, size: size, keepGrey: kind == .pgm)
        let encoded = kind == .png ? PNG.encode(view) : Netpbm.encode(view)
        do {
            try DurableFiles.replace(URL(fileURLWithPath: output), with: Data(encoded))
        } catch {
            throw .failure("\(error)")
        }
        let colours = view.channels == 1 ? "grey" : "RGB"
        console.print("Wrote \(output): \(view.width)x\(view.height) \(colours) (decoded \(input): "
            + "\(image.width)x\(image.height))")
        return ExitCode.success
    }
}
