// `emotion predict --detect-faces`: each picture's faces found (FaceDetector), cropped as the training photos
// are framed, classified one by one; pictures without a face reported; optionally each picture written with
// its boxes and classes drawn (`--annotate DIR`). One picture at a time, each written as soon as it is done.

import Foundation
import EmotionTraining
import FaceDetection
import ImageCodecs

extension PredictCommand {
    func predictFaces(
        _ images: [InputImage], skipped: [SkippedFile], labelsFile: ImageLabels?, classifier: Classifier,
        console: Console
    ) throws(CLIError) -> Int32 {
        let detector = FaceDetector()
        let classNames = classifier.classNames
        var skipped = skipped
        var output = FacePredictionOutput(lines: PredictionOutput(
            format: format, classNames: classNames, modelName: classifier.name, top: top,
            withLabels: labelsFile != nil, console: console))
        var score = Score()
        var labelledWithoutFace = 0
        // Pictures whose faces wait to be classified: crops are classified `batchSize` at a time across pictures
        // (one face per call would repack the model's weights for every face), then the pictures are written.
        var pending: [(image: InputImage, picture: Image, faces: [DetectedFace], crops: [Image])] = []
        func classifyPending() throws(CLIError) {
            var probabilities = classifier.predictor.probabilities(of: pending.flatMap(\.crops))[...]
            for (image, picture, faces, _) in pending {
                let predictions = zip(faces, probabilities.prefix(faces.count)).map {
                    ($0, Prediction(image: image, probabilities: $1))
                }
                probabilities = probabilities.dropFirst(faces.count)
                let label = labelsFile?.label(forRelativePath: image.relativePath)
                // Each face is judged against the picture's label (a missing or unknown label is warned about once).
                var correct: [Bool?] = []
                if labelsFile != nil {
                    if predictions.isEmpty, let label, classNames.contains(label) { labelledWithoutFace += 1 }
                    for (index, (_, prediction)) in predictions.enumerated() {
                        let judged = index > 0 && correct[0] == nil ? nil
                            : score.add(prediction, label: label, classNames: classNames, labelsFile: labels ?? "",
                                        console: console)
                        correct.append(judged)
                    }
                }
                output.write(image, faces: predictions, label: label, correct: correct)
                if let annotate { try writeAnnotated(picture, predictions, of: image, to: annotate, classNames: classNames) }
            }
            pending.removeAll()
        }
        for image in images {
            let picture: Image
            switch ImageLoader.decode(image.url) {
            case .success(let decoded):
                picture = decoded
            case .failure(let failure):
                skipped.append(SkippedFile(file: image.displayPath, reason: failure.reason))
                console.log("Warning: skipping \(image.displayPath): \(failure.reason)")
                continue
            }
            let faces = detector.detect(in: picture, minimumScore: minimumFaceScore)
            // The picture itself is kept only for --annotate.
            pending.append((image, annotate == nil ? Image(width: 0, height: 0, channels: 3, pixels: []) : picture, faces,
                            faces.map { faceCrop(of: picture, around: $0.box) }))
            if pending.reduce(0, { $0 + $1.crops.count }) >= batchSize { try classifyPending() }
        }
        try classifyPending()
        guard output.count > 0 else { throw .input("none of the \(images.count) images could be decoded") }
        output.finish(skipped: skipped, score: labelsFile == nil ? nil : score, labelledWithoutFace: labelledWithoutFace)
        return try exitStatus(score: labelsFile == nil ? nil : score, console: console)
    }

    /// `DIR/<relative path>.png`: the picture with each face's box and "class probability" label.
    private func writeAnnotated(
        _ picture: Image, _ faces: [(face: DetectedFace, prediction: Prediction)], of image: InputImage, to folder: String,
        classNames: [String]
    ) throws(CLIError) {
        let labels = faces.map { face, prediction in
            FaceLabel(box: face.box, text: "\(classNames[prediction.classIndex]) "
                + String(format: "%.2f", prediction.probabilities[prediction.classIndex]))
        }
        let url = URL(fileURLWithPath: folder).appendingPathComponent(image.relativePath)
            .deletingPathExtension().appendingPathExtension("png")
        try asInputError("cannot write \(url.path)") {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(PNG.encode(FaceAnnotation.draw(labels, on: picture))).write(to: url, options: .atomic)
        }
    }
}

/// Writes each picture's faces as they come, in the chosen format, with `PredictionOutput`'s pieces: text a
/// line per face (or "no face found"), CSV a row per face (a picture without a face: a row with only its
/// file), JSON one element of "predictions" per picture with its "faces".
private struct FacePredictionOutput {
    let lines: PredictionOutput
    private(set) var count = 0

    init(lines: PredictionOutput) {
        self.lines = lines
    }

    mutating func write(_ image: InputImage, faces: [(face: DetectedFace, prediction: Prediction)], label: String?,
                        correct: [Bool?]) {
        if count == 0 {
            switch lines.format {
            case .text: break
            case .csv: lines.console.print("file,face,x,y,width,height,score,class,probability"
                + (lines.withLabels ? ",label,correct" : ""))
            case .json: lines.writeHeader()
            }
        }
        count += 1
        let classNames = lines.classNames
        let file = image.displayPath
        switch lines.format {
        case .text:
            guard !faces.isEmpty else { return lines.console.print("File: \(file), no face found") }
            for (index, (face, prediction)) in faces.enumerated() {
                var line = "File: \(file), Face \(index + 1) at \(face.box), Predicted Class: \(classNames[prediction.classIndex])"
                if lines.withLabels {
                    line += ", Label: \(label ?? "none")"
                    if let judged = correct[index] { line += ", Correct: \(judged ? "yes" : "no")" }
                }
                lines.console.print(line)
                if let top = lines.top { lines.console.print(lines.topLine(prediction, top)) }
            }
        case .csv:
            let labelFields = lines.withLabels ? [label ?? ""] : []
            guard !faces.isEmpty else {
                let empty = Array(repeating: "", count: 8 + (lines.withLabels ? 1 : 0))
                return lines.console.print(([file] + empty.prefix(8) + labelFields + empty.dropFirst(8))
                    .map(PredictionOutput.csvField).joined(separator: ","))
            }
            for (index, (face, prediction)) in faces.enumerated() {
                var fields = [file, "\(index + 1)"]
                fields += [face.box.x, face.box.y, face.box.width, face.box.height].map { String(format: "%.2f", $0) }
                fields += ["\(face.score)", classNames[prediction.classIndex], "\(prediction.probabilities[prediction.classIndex])"]
                if lines.withLabels { fields += labelFields + [correct[index].map { String($0) } ?? ""] }
                lines.console.print(fields.map(PredictionOutput.csvField).joined(separator: ","))
            }
        case .json:
            func pixels(_ value: Float) -> JSON { .number((Double(value) * 100).rounded() / 100) }
            let faceObjects = faces.enumerated().map { index, entry in
                let (face, prediction) = entry
                var members: [(String, JSON)] = [
                    ("box", .array([face.box.x, face.box.y, face.box.width, face.box.height].map(pixels))),
                    ("score", PredictionOutput.probabilityJSON(face.score)),
                    ("class", .string(classNames[prediction.classIndex])),
                    ("probability", PredictionOutput.probabilityJSON(prediction.probabilities[prediction.classIndex])),
                    ("top", lines.topJSON(prediction)),
                ]
                if lines.withLabels { members.append(("correct", correct[index].map(JSON.bool) ?? .null)) }
                return JSON.object(members)
            }
            var members: [(String, JSON)] = [("file", .string(file))]
            if lines.withLabels { members.append(("label", label.map(JSON.string) ?? .null)) }
            members.append(("faces", .array(faceObjects)))
            lines.console.write((count > 1 ? ",\n" : "") + "    " + JSON.object(members).rendered(indent: 2))
        }
    }

    func finish(skipped: [SkippedFile], score: PredictCommand.Score?, labelledWithoutFace: Int) {
        guard lines.format == .text else {
            return lines.finish(skipped: skipped, score: score,
                                extra: score == nil ? [] : [("labelled_without_face", .int(labelledWithoutFace))])
        }
        guard let score else { return }
        let leftOut = labelledWithoutFace == 0 ? "" : "; \(labelledWithoutFace) labelled "
            + (labelledWithoutFace == 1 ? "picture" : "pictures") + " with no face found left out"
        if let accuracy = score.accuracy {
            lines.console.print("Accuracy: \(String(format: "%.4f", accuracy)) (\(score.correct) of \(score.labelled) "
                + "labelled faces correct\(leftOut))")
        } else {
            lines.console.print("Accuracy: none (no face in a picture whose label is one of the model's classes\(leftOut))")
        }
    }
}
