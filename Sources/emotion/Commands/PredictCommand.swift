// `emotion predict`: the class of each picture in files and folders (natural order), as the assignment
// prints it, with optional top-K probabilities, a labels file's accuracy, and text, JSON or CSV output.
// Also runs a backbone's ImageNet classifier (`--backbone NAME --weights FILE`).

import Foundation
import EmotionTraining

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
        .value("class-names-file", "file",
               help: "With --backbone: the class names, one per line (line i is class i); default: class indices.", kind: .file),
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
        up to 5). CSV: file,class,probability (+ label,correct with --labels). Exit status: 0 on success, 1 \
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
    let backbone: ModelZoo.Backbone?
    let weights: String?
    let classNamesFile: String?
    let paths: [String]

    init(_ arguments: ParsedArguments) throws(CLIError) {
        model = arguments.text("model")
        top = try arguments.int("top")
        format = try arguments.choice(defaulted: "format", as: PredictFormat.self)
        labels = arguments.string("labels")
        minimumAccuracy = try arguments.double("min-accuracy", requirement: "a number")
        batchSize = try arguments.int(defaulted: "batch-size")
        weights = arguments.string("weights")
        classNamesFile = arguments.string("class-names-file")
        paths = arguments.positionals
        if arguments.isGiven("backbone") {
            backbone = try arguments.choice("backbone", as: ModelZoo.Backbone.self)
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
    private struct Classifier {
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

        let run = classifier.predictor.predict(listing.images) { console.log($0) }
        skipped += run.skipped
        guard !run.predictions.isEmpty else {
            throw .input("none of the \(listing.images.count) images could be decoded")
        }
        let results = run.predictions.map { prediction in
            Result(prediction: prediction, label: labelsFile?.label(forRelativePath: prediction.image.relativePath))
        }
        let scored = labelsFile.map { _ in score(results, classNames: classifier.classNames, console: console) }

        let topCount = min(top ?? 5, classifier.classNames.count)
        switch format {
        case .text:
            console.write(text(results, classNames: classifier.classNames, scored: scored))
        case .json:
            console.print(json(results, classifier: classifier, topCount: topCount, skipped: skipped, scored: scored)
                .rendered())
        case .csv:
            console.write(csv(results, classNames: classifier.classNames, withLabels: labelsFile != nil))
        }
        if let minimumAccuracy, let scored {
            guard let accuracy = scored.accuracy else {
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
                predictor: Predictor(model: saved.model, preprocessing: saved.config.preprocessing, batchSize: batchSize),
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

    /// One prediction and the label the labels file gives its image, if any.
    private struct Result {
        let prediction: Prediction
        let label: String?
    }

    /// Which results count towards the accuracy, and the accuracy (nil when none does).
    private struct Score {
        /// Per result: nil when its label is missing or not a class of the model, else whether it is right.
        let correct: [Bool?]
        var labelled: Int { correct.compactMap { $0 }.count }
        var accuracy: Double? {
            labelled == 0 ? nil : Double(correct.filter { $0 == true }.count) / Double(labelled)
        }
    }

    private func score(_ results: [Result], classNames: [String], console: Console) -> Score {
        var correct: [Bool?] = []
        for result in results {
            let file = result.prediction.image.displayPath
            guard let label = result.label else {
                console.warn("\(labels ?? "") has no label for \(file); left out of the accuracy")
                correct.append(nil)
                continue
            }
            guard let index = classNames.firstIndex(of: label) else {
                console.warn("\(file) is labelled '\(label)', which is not a class of the model "
                    + "(\(classNames.joined(separator: ", "))); left out of the accuracy")
                correct.append(nil)
                continue
            }
            correct.append(index == result.prediction.classIndex)
        }
        return Score(correct: correct)
    }

    // MARK: Output

    private func text(_ results: [Result], classNames: [String], scored: Score?) -> String {
        var out = ""
        for (index, result) in results.enumerated() {
            let prediction = result.prediction
            out += "File: \(prediction.image.displayPath), Predicted Class: \(classNames[prediction.classIndex])"
            if let scored {
                out += ", Label: \(result.label ?? "none")"
                if let correct = scored.correct[index] { out += ", Correct: \(correct ? "yes" : "no")" }
            }
            out += "\n"
            if let top {
                out += "  " + prediction.top(top).map { "\(classNames[$0.index]) \(String(format: "%.4f", $0.probability))" }
                    .joined(separator: ", ") + "\n"
            }
        }
        if let scored {
            if let accuracy = scored.accuracy {
                out += "Accuracy: \(String(format: "%.4f", accuracy)) (\(scored.correct.filter { $0 == true }.count) of "
                    + "\(scored.labelled) labelled images correct)\n"
            } else {
                out += "Accuracy: none (no image has a label that is one of the model's classes)\n"
            }
        }
        return out
    }

    private func json(
        _ results: [Result], classifier: Classifier, topCount: Int, skipped: [SkippedFile], scored: Score?
    ) -> JSON {
        let names = classifier.classNames
        let predictions = results.enumerated().map { index, result in
            let prediction = result.prediction
            var members: [(String, JSON)] = [
                ("file", .string(prediction.image.displayPath)),
                ("class", .string(names[prediction.classIndex])),
                ("probability", probabilityJSON(prediction.probabilities[prediction.classIndex])),
            ]
            if let scored {
                members.append(("label", result.label.map(JSON.string) ?? .null))
                members.append(("correct", scored.correct[index].map(JSON.bool) ?? .null))
            }
            members.append(("top", .array(prediction.top(topCount).map { entry in
                .object([("class", .string(names[entry.index])), ("index", .int(entry.index)),
                         ("probability", probabilityJSON(entry.probability))])
            })))
            return JSON.object(members)
        }
        var members: [(String, JSON)] = [
            ("model", .string(classifier.name)),
            ("classes", .array(names.map(JSON.string))),
            ("predictions", .array(predictions)),
            ("skipped", skippedJSON(skipped)),
        ]
        if let scored {
            members.append(("labelled", .int(scored.labelled)))
            members.append(("accuracy", scored.accuracy.map(JSON.number) ?? .null))
        }
        return .object(members)
    }

    /// A Float32 probability as the shortest decimal that reads back as the same Float32 (0.612, not
    /// 0.6119999885559082).
    private func probabilityJSON(_ value: Float) -> JSON {
        .number(Double("\(value)") ?? Double(value))
    }

    private func csv(_ results: [Result], classNames: [String], withLabels: Bool) -> String {
        var out = withLabels ? "file,class,probability,label,correct\n" : "file,class,probability\n"
        for result in results {
            let prediction = result.prediction
            var fields = [
                prediction.image.displayPath, classNames[prediction.classIndex],
                "\(prediction.probabilities[prediction.classIndex])",
            ]
            if withLabels {
                let isClass = result.label.map(classNames.contains) ?? false
                fields.append(result.label ?? "")
                fields.append(isClass ? String(classNames[prediction.classIndex] == result.label) : "")
            }
            out += fields.map(csvField).joined(separator: ",") + "\n"
        }
        return out
    }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    private func csvField(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
