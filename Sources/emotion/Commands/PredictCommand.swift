// `emotion predict`: the class of each picture in files and folders (natural order), as the assignment
// prints it, with optional top-K probabilities, a labels file's accuracy, and text, JSON or CSV output.
// Also runs a backbone's ImageNet classifier (`--backbone NAME --weights FILE`).

import Foundation
import EmotionTraining
import FaceDetection

/// `--format` of `predict`.
enum PredictFormat: String, CaseIterable {
    case text, json, csv
}

struct PredictCommand: Command {
    static let name = "predict"
    static let abstract = "Predict the class of pictures (files or folders) with a saved model."
    static let options: [OptionSpec] = [
        .value("model", "dir", help: "Model folder written by 'emotion train'.", default: defaultModelFolder, kind: .directory),
        .value("top", "k", help: "Also show the k most probable classes with their probabilities."),
        .choice("format", PredictFormat.self, help: "Output format; json prints one object on stdout.", default: .text),
        .value("labels", "csv",
               help: "CSV file with columns file,label (file relative to the given folder, or a file name): "
                   + "marks each prediction correct or not and reports the accuracy.", kind: .file),
        .value("min-accuracy", "x", help: "With --labels: exit with status 1 when the accuracy is below x."),
        .batchSize(help: "Images per inference batch."),
        .choice("backbone", ModelZoo.Backbone.self,
                help: "Instead of --model, the ImageNet classifier of a pretrained backbone (needs --weights)."),
        .value("weights", "file", help: "With --backbone: the timm safetensors file (with its classifier).", kind: .file),
        .modelTestTimeAugmentation,
        .value("class-names-file", "file",
               help: "With --backbone: the class names, one per line (line i is class i); default: class indices.", kind: .file),
        .flag("detect-faces",
              help: "Find the faces in each picture (MediaPipe's BlazeFace, built in) and classify each face's crop."),
        .value("min-face-score", "x", help: "With --detect-faces: the least detector score a face needs, 0 < x < 1.",
               default: "\(FaceDetector.defaultMinimumScore)"),
        .value("annotate", "dir",
               help: "With --detect-faces: write each picture as a PNG with its faces' boxes and classes drawn.",
               kind: .directory),
    ]
    static let positional: PositionalSpec? = PositionalSpec(
        valueName: "path", help: "Image files, or folders searched recursively for .jpg .jpeg .png .bmp .gif files.",
        minimumCount: 1)
    static let discussion = """
        Text output has one line per image, in natural order (2.jpg before 10.jpg): 'File: ./Facial Pics/1.jpg, \
        Predicted Class: sad'; --top k adds an indented line 'sad 0.6120, happy 0.2010, ...'; --labels adds ', Label: x, \
        Correct: yes|no' and a final 'Accuracy:' line. Labels that are not classes of the model are reported \
        on stderr and left out of the accuracy. Files that are not images, or cannot be decoded, are skipped \
        with a note on stderr. JSON: {"model", "classes", "predictions": [{"file", "class", "probability", \
        "top": [{"class", "index", "probability"}]}], "skipped": [{"file", "reason"}]}, plus "labelled" and \
        "accuracy" with --labels, and "label"/"correct" in each prediction; "top" has --top k entries (default: \
        up to 5). CSV: file,class,probability (+ label,correct with --labels). With --detect-faces: one line per \
        face, 'File: ./Facial Pics/1.jpg, Face 1 at (x, y, w, h), Predicted Class: happy' (box in pixels of the \
        upright picture, best face first), or 'File: ..., no face found'; each face is judged against its \
        picture's label and labelled pictures without a face are left out of the accuracy and counted; JSON \
        predictions become {"file", "faces": [{"box": [x, y, width, height], "score", "class", "probability", \
        "top"}]}; CSV file,face,x,y,width,height,score,class,probability (a picture without a face: one row with \
        only its file). Exit status: 0 on success, 1 \
        when the accuracy is below --min-accuracy, 2 for usage or input errors (no such path, no images, \
        model missing or malformed).
        """

    /// The model folder used when `--model` is not given, relative to the working directory.
    static let defaultModelFolder = "Models/task1-small"

    let model: String
    let top: Int?
    let format: PredictFormat
    let labels: String?
    let minimumAccuracy: Double?
    let batchSize: Int
    /// nil: the model's own.
    let tta: TestTimeAugmentation?
    let backbone: ModelZoo.Backbone?
    let weights: String?
    let classNamesFile: String?
    let detectFaces: Bool
    let minimumFaceScore: Float
    let annotate: String?
    let paths: [String]

    init(_ arguments: ParsedArguments) throws(CLIError) {
        model = arguments.text("model")
        top = try arguments.int("top")
        format = try arguments.choice(defaulted: "format", as: PredictFormat.self)
        labels = arguments.string("labels")
        minimumAccuracy = try arguments.double("min-accuracy", requirement: "a number")
        batchSize = try arguments.int(defaulted: "batch-size")
        tta = try arguments.choice("tta", as: TestTimeAugmentation.self)
        weights = arguments.string("weights")
        classNamesFile = arguments.string("class-names-file")
        detectFaces = arguments.flag("detect-faces")
        minimumFaceScore = Float(try arguments.double(
            defaulted: "min-face-score", requirement: "a number between 0 and 1") { $0 > 0 && $0 < 1 })
        annotate = arguments.string("annotate")
        paths = arguments.positionals
        if !detectFaces && (arguments.isGiven("min-face-score") || annotate != nil) {
            throw .usage("'--min-face-score' and '--annotate' go with '--detect-faces'")
        }
        if arguments.isGiven("backbone") {
            backbone = try arguments.choice("backbone", as: ModelZoo.Backbone.self)
            guard tta == nil else { throw .usage("'--tta' goes with '--model' (a saved emotion model)") }
            guard !arguments.isGiven("model") else { throw .usage("'--model' and '--backbone' exclude each other") }
            guard weights != nil else { throw .usage("'--backbone' needs '--weights <file>'") }
        } else {
            backbone = nil
            guard weights == nil, classNamesFile == nil else {
                throw .usage("'--weights' and '--class-names-file' go with '--backbone'")
            }
        }
        if minimumAccuracy != nil && labels == nil {
            throw .usage("'--min-accuracy' needs '--labels <csv>'")
        }
    }

    /// The classifier to run, its class names, and the name reports give it.
    struct Classifier {
        let predictor: Predictor
        let classNames: [String]
        let name: String
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        let listing = try asInputError { try InputFiles.list(paths) }
        let imageNames = InputFiles.imageExtensions.sorted().map { "." + $0 }.joined(separator: " ")
        var skipped = listing.nonImages.map { SkippedFile(file: $0, reason: "not an image (\(imageNames))") }
        for file in skipped { console.log("Note: skipping \(file.file): \(file.reason)") }
        guard !listing.images.isEmpty else {
            throw .input("no images found in \(paths.joined(separator: ", ")) (looked for \(imageNames) files)")
        }
        let labelsFile = try labels.map { path throws(CLIError) in
            try asInputError { try ImageLabels(contentsOf: URL(fileURLWithPath: path)) }
        }
        let classifier = try loadClassifier()
        if detectFaces {
            return try predictFaces(listing.images, skipped: skipped, labelsFile: labelsFile, classifier: classifier,
                                    console: console)
        }

        // Each prediction is written as soon as its batch is done, so memory does not grow with the images.
        var output = PredictionOutput(
            format: format, classNames: classifier.classNames, modelName: classifier.name,
            top: top, withLabels: labelsFile != nil, console: console)
        var score = Score()
        skipped += classifier.predictor.predict(listing.images, warn: { console.log($0) }) { prediction in
            var correct: Bool?
            let label = labelsFile?.label(forRelativePath: prediction.image.relativePath)
            if labelsFile != nil {
                correct = score.add(prediction, label: label, classNames: classifier.classNames, labelsFile: labels ?? "",
                                    console: console)
            }
            output.write(prediction, label: label, correct: correct)
        }
        guard output.count > 0 else {
            throw .input("none of the \(listing.images.count) images could be decoded")
        }
        output.finish(skipped: skipped, score: labelsFile == nil ? nil : score)
        return try exitStatus(score: labelsFile == nil ? nil : score, console: console)
    }

    /// Success, or failure when there is a `--min-accuracy` and the labelled accuracy falls below it.
    func exitStatus(score: Score?, console: Console) throws(CLIError) -> Int32 {
        if let minimumAccuracy, let score {
            guard let accuracy = score.accuracy else {
                throw .input("no image has a label that is one of the model's classes, so there is no accuracy to "
                    + "compare with --min-accuracy")
            }
            if accuracy < minimumAccuracy {
                console.log("Accuracy \(ProgressLine.formatValue(accuracy)) is below --min-accuracy \(minimumAccuracy).")
                return ExitCode.failure
            }
        }
        return ExitCode.success
    }

    private func loadClassifier() throws(CLIError) -> Classifier {
        guard let backbone, let weights else {
            let saved = try asInputError { try ModelStore.load(from: URL(fileURLWithPath: model)) }
            return Classifier(
                predictor: Predictor(
                    model: saved.model, preprocessing: saved.config.preprocessing, batchSize: batchSize,
                    tta: tta ?? saved.config.tta),
                classNames: saved.config.classNames, name: model)
        }
        let network = backbone.make(imageNetClassifier: true)
        _ = try asInputError { try network.loadTimmWeights(from: URL(fileURLWithPath: weights)) }
        let classCount = network.classifier?.units ?? 0
        var classNames = (0..<classCount).map { "class \($0)" }
        if let classNamesFile {
            let text = try asInputError { try String(contentsOfFile: classNamesFile, encoding: .utf8) }
            let names = text.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let lines = names.last == "" ? Array(names.dropLast()) : names
            guard lines.count == classCount, !lines.contains("") else {
                throw .input("\(classNamesFile) must have \(classCount) non-empty lines (one class name per line), "
                    + "found \(lines.count)")
            }
            classNames = lines
        }
        return Classifier(
            predictor: Predictor(backbone: network, batchSize: batchSize), classNames: classNames,
            name: backbone.rawValue)
    }

    /// The labelled predictions so far and how many were right.
    struct Score {
        var labelled = 0
        var correct = 0
        var accuracy: Double? { labelled == 0 ? nil : Double(correct) / Double(labelled) }

        /// Counts `prediction` against `label`: nil (with a warning) when the label is missing or not a class
        /// of the model, else whether the prediction is right.
        mutating func add(
            _ prediction: Prediction, label: String?, classNames: [String], labelsFile: String, console: Console
        ) -> Bool? {
            let file = prediction.image.displayPath
            guard let label else {
                console.warn("\(labelsFile) has no label for \(file); left out of the accuracy")
                return nil
            }
            guard let index = classNames.firstIndex(of: label) else {
                console.warn("\(file) is labelled '\(label)', which is not a class of the model "
                    + "(\(classNames.joined(separator: ", "))); left out of the accuracy")
                return nil
            }
            labelled += 1
            if index == prediction.classIndex { correct += 1 }
            return index == prediction.classIndex
        }
    }
}

/// Writes predictions as they come, in the chosen format: text and CSV a line each, JSON one object whose
/// "predictions" array is written element by element.
struct PredictionOutput {
    let format: PredictFormat
    let classNames: [String]
    let modelName: String
    let top: Int?
    let withLabels: Bool
    let console: Console
    private(set) var count = 0

    init(format: PredictFormat, classNames: [String], modelName: String, top: Int?, withLabels: Bool, console: Console) {
        self.format = format
        self.classNames = classNames
        self.modelName = modelName
        self.top = top
        self.withLabels = withLabels
        self.console = console
    }

    /// How many classes JSON's "top" lists: --top k, else up to 5.
    private var topCount: Int { min(top ?? 5, classNames.count) }

    mutating func write(_ prediction: Prediction, label: String?, correct: Bool?) {
        if count == 0 { writeHeader() }
        count += 1
        let predicted = classNames[prediction.classIndex]
        switch format {
        case .text:
            var line = "File: \(prediction.image.displayPath), Predicted Class: \(predicted)"
            if withLabels {
                line += ", Label: \(label ?? "none")"
                if let correct { line += ", Correct: \(correct ? "yes" : "no")" }
            }
            console.print(line)
            if let top { console.print(topLine(prediction, top)) }
        case .csv:
            var fields = [prediction.image.displayPath, predicted, "\(prediction.probabilities[prediction.classIndex])"]
            if withLabels {
                fields.append(label ?? "")
                fields.append(correct.map { String($0) } ?? "")
            }
            console.print(fields.map(Self.csvField).joined(separator: ","))
        case .json:
            var members: [(String, JSON)] = [
                ("file", .string(prediction.image.displayPath)),
                ("class", .string(predicted)),
                ("probability", Self.probabilityJSON(prediction.probabilities[prediction.classIndex])),
            ]
            if withLabels {
                members.append(("label", label.map(JSON.string) ?? .null))
                members.append(("correct", correct.map(JSON.bool) ?? .null))
            }
            members.append(("top", topJSON(prediction)))
            console.write((count > 1 ? ",\n" : "") + "    " + JSON.object(members).rendered(indent: 2))
        }
    }

    /// The `--top k` line: "  sad 0.6120, happy 0.2010, ...".
    func topLine(_ prediction: Prediction, _ k: Int) -> String {
        "  " + prediction.top(k).map { "\(classNames[$0.index]) \(String(format: "%.4f", $0.probability))" }
            .joined(separator: ", ")
    }

    /// JSON's "top": [{"class", "index", "probability"}] of the `topCount` most probable classes.
    func topJSON(_ prediction: Prediction) -> JSON {
        .array(prediction.top(topCount).map { entry in
            .object([("class", .string(classNames[entry.index])), ("index", .int(entry.index)),
                     ("probability", Self.probabilityJSON(entry.probability))])
        })
    }

    /// What precedes the first prediction.
    func writeHeader() {
        switch format {
        case .text: break
        case .csv: console.print(withLabels ? "file,class,probability,label,correct" : "file,class,probability")
        case .json:
            console.write("{\n  \"model\": " + JSON.string(modelName).rendered() + ",\n  \"classes\": "
                + JSON.array(classNames.map(JSON.string)).rendered(indent: 1) + ",\n  \"predictions\": [\n")
        }
    }

    /// What follows the last prediction: the accuracy line, or the end of the JSON object (with `extra`
    /// members after the accuracy).
    func finish(skipped: [SkippedFile], score: PredictCommand.Score?, extra: [(String, JSON)] = []) {
        switch format {
        case .text:
            guard let score else { return }
            if let accuracy = score.accuracy {
                console.print("Accuracy: \(String(format: "%.4f", accuracy)) (\(score.correct) of \(score.labelled) "
                    + "labelled images correct)")
            } else {
                console.print("Accuracy: none (no image has a label that is one of the model's classes)")
            }
        case .csv:
            break
        case .json:
            var tail = "\n  ],\n  \"skipped\": " + skippedJSON(skipped).rendered(indent: 1)
            if let score {
                tail += ",\n  \"labelled\": \(score.labelled),\n  \"accuracy\": "
                    + (score.accuracy.map(JSON.number) ?? .null).rendered()
            }
            for (key, value) in extra { tail += ",\n  " + JSON.string(key).rendered() + ": " + value.rendered(indent: 1) }
            console.print(tail + "\n}")
        }
    }

    /// A Float32 probability as the shortest decimal that reads back as the same Float32 (0.612, not
    /// 0.6119999885559082).
    static func probabilityJSON(_ value: Float) -> JSON {
        .number(Double("\(value)") ?? Double(value))
    }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    static func csvField(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
