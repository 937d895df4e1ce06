// `emotion dataset`: shows what training would see in a data folder (classes, counts per class and
// subset, files that cannot be decoded), as text or JSON.

import Foundation
import EmotionTraining
import FaceDetection

struct DatasetCommand: Command {
    static let name = "dataset"
    static let abstract = "Show the classes, split and unreadable files of a data folder."
    static let options: [OptionSpec] = [
        .data(),
        .validationSplit(help: "Fraction held out for validation, 0 <= fraction < 1."),
        .seed(help: "Seed of the split."),
        .value("class-names", "a,b,...", help: "Class subfolders to use, in this order (default: all, sorted)."),
        .choice("format", OutputFormat.self, help: "Output format; json prints one object with the file lists.",
                default: .text),
        .flag("detect-faces",
              help: "Write the face of every photo, cropped as predict --detect-faces crops it, to --output."),
        .value("output", "dir", help: "With --detect-faces: the new class-folder set (must not exist yet).",
               kind: .directory),
        .value("min-face-score", "x", help: "With --detect-faces: the least detector score a face needs, 0 < x < 1.",
               default: "\(FaceDetector.defaultMinimumScore)"),
    ]
    static let discussion = """
        Every file is decoded to find the ones training would skip. The split is the one `train` makes with \
        the same options (Keras's image_dataset_from_directory split). JSON: {"classes", "training": [paths], \
        "validation": [paths], "skipped": [{"file", "reason"}]}, paths relative to the data folder. With \
        --detect-faces --output OUT: OUT/<class>/<name>.png for every photo in which exactly one face is found; \
        the others are listed with the reason (no face found, n faces, cannot be decoded) and left out; JSON \
        {"output", "classes", "written", "left_out": [{"file", "reason"}]}.
        """

    let data: String
    let validationSplit: Double
    let seed: UInt32
    let classNames: [String]?
    let format: OutputFormat
    let detectFaces: Bool
    let output: String?
    let minimumFaceScore: Float

    init(_ arguments: ParsedArguments) throws(CLIError) {
        data = arguments.text("data")
        validationSplit = try arguments.validationSplit()
        seed = try arguments.seed()
        classNames = try arguments.list("class-names")
        format = try arguments.choice(defaulted: "format", as: OutputFormat.self)
        detectFaces = arguments.flag("detect-faces")
        output = arguments.string("output")
        minimumFaceScore = Float(try arguments.double(
            defaulted: "min-face-score", requirement: "a number between 0 and 1") { $0 > 0 && $0 < 1 })
        guard detectFaces == (output != nil) else { throw .usage("'--detect-faces' and '--output <dir>' go together") }
        if !detectFaces && arguments.isGiven("min-face-score") {
            throw .usage("'--min-face-score' goes with '--detect-faces'")
        }
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        if detectFaces, let output {
            // Every photo is cropped, whichever subset it falls in, so no split is made.
            let folder = try openDataFolder(data, validationSplit: 0, seed: seed, classNames: classNames)
            return try writeFaceCrops(of: folder, to: output, console: console)
        }
        let folder = try openDataFolder(data, validationSplit: validationSplit, seed: seed, classNames: classNames)
        // Every file is decoded (on all cores, a chunk at a time, nothing kept), so any number of files fits.
        let skipped = ImageLoader.undecodableFiles(folder.files)
        for file in skipped { console.log("Warning: skipping \(file.file): \(file.reason)") }
        let skippedPaths = Set(skipped.map(\.file))

        switch format {
        case .json:
            let json = JSON.object([
                ("classes", .array(folder.classNames.map(JSON.string))),
                ("training", .array(folder.training.map { .string($0.relativePath) })),
                ("validation", .array(folder.validation.map { .string($0.relativePath) })),
                ("skipped", skippedJSON(skipped)),
            ])
            console.print(json.rendered())
        case .text:
            console.print("Data folder: \(data)")
            console.print("\(folder.files.count) files in \(folder.classNames.count) classes; seed \(seed), "
                + "validation split \(validationSplit)")
            console.print("")
            // Per class: usable training files, usable validation files, listed files, skipped files.
            var counts = Array(repeating: [0, 0, 0, 0], count: folder.classNames.count)
            for file in folder.training where !skippedPaths.contains(file.relativePath) { counts[file.label][0] += 1 }
            for file in folder.validation where !skippedPaths.contains(file.relativePath) { counts[file.label][1] += 1 }
            for file in folder.files {
                counts[file.label][2] += 1
                if skippedPaths.contains(file.relativePath) { counts[file.label][3] += 1 }
            }
            let totals = (0..<4).map { column in counts.reduce(0) { $0 + $1[column] } }
            var table = TextTable(headers: ["class", "training", "validation", "listed", "skipped"])
            for (name, row) in zip(folder.classNames, counts) { table.append([name] + row.map(String.init)) }
            table.append(["all"] + totals.map(String.init))
            console.write(table.rendered())
            console.print("(training and validation count the files that decode)")
            if !skipped.isEmpty {
                console.print("")
                console.print("Skipped files:")
                for file in skipped { console.print("  \(file.file): \(file.reason)") }
            }
        }
        return ExitCode.success
    }
}
