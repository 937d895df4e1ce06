// `emotion dataset --detect-faces --output OUT`: a class-folder set of photos that are not face crops turned
// into one that is (each photo's single face, cropped as `predict --detect-faces` crops it, as PNG), so it
// can be trained on. Photos with no face or several faces are listed and left out.

import Foundation
import EmotionTraining
import FaceDetection
import ImageCodecs

extension DatasetCommand {
    func writeFaceCrops(of folder: ImageFolder, to output: String, console: Console) throws(CLIError) -> Int32 {
        let root = URL(fileURLWithPath: output)
        guard !FileManager.default.fileExists(atPath: root.path) else {
            throw .input("\(output) already exists; --output must name a new folder")
        }
        let detector = FaceDetector()
        var leftOut: [SkippedFile] = []
        var written = Set<String>()
        for file in folder.files {
            let image: Image
            switch ImageLoader.decode(file.url) {
            case .success(let decoded): image = decoded
            case .failure(let failure):
                leftOut.append(SkippedFile(file: file.relativePath, reason: failure.reason))
                continue
            }
            let faces = detector.detect(in: image, minimumScore: minimumFaceScore)
            guard faces.count == 1 else {
                leftOut.append(SkippedFile(file: file.relativePath, reason: faces.isEmpty ? "no face found" : "\(faces.count) faces"))
                continue
            }
            // <class>/<name>.png; a second file of the same name and another extension keeps its extension.
            let name = file.url.deletingPathExtension().lastPathComponent
            var relative = "\(folder.classNames[file.label])/\(name).png"
            if written.contains(relative) { relative = "\(folder.classNames[file.label])/\(file.url.lastPathComponent).png" }
            written.insert(relative)
            let target = root.appendingPathComponent(relative)
            try asInputError("cannot write \(target.path)") {
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(PNG.encode(faceCrop(of: image, around: faces[0].box))).write(to: target, options: .atomic)
            }
        }
        switch format {
        case .json:
            console.print(JSON.object([
                ("output", .string(output)),
                ("classes", .array(folder.classNames.map(JSON.string))),
                ("written", .int(written.count)),
                ("left_out", skippedJSON(leftOut)),
            ]).rendered())
        case .text:
            console.print("Wrote \(written.count) face crops of \(folder.files.count) photos to \(output) "
                + "(\(folder.classNames.count) class folders)")
            if !leftOut.isEmpty {
                console.print("Left out \(leftOut.count) photos (not exactly one face, or unreadable):")
                for file in leftOut { console.print("  \(file.file): \(file.reason)") }
            }
        }
        return ExitCode.success
    }
}
