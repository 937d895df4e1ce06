// `emotion predict --detect-faces`: each picture's faces found (FaceDetector), cropped as the training photos
// are framed, classified one by one; pictures without a face reported; optionally each picture written with
// its boxes and classes drawn (`--annotate DIR`). One picture is decoded at a time.

import Foundation
import EmotionTraining
import FaceDetection
import ImageCodecs

extension PredictCommand {
    /// One picture: its faces (best first) with their class probabilities, and its label.
    private struct PictureFaces {
        let image: InputImage
        let faces: [(face: DetectedFace, prediction: Prediction)]
        let label: String?
    }

    /// Per face: nil when its picture's label is missing or not a class, else whether the class is right.
    private struct FaceScore {
        let correct: [[Bool?]]
        /// Labelled pictures (label a class of the model) in which no face was found.
        let labelledWithoutFace: Int
        var labelled: Int { correct.joined().compactMap { $0 }.count }
        var right: Int { correct.joined().filter { $0 == true }.count }
        var accuracy: Double? { labelled == 0 ? nil : Double(right) / Double(labelled) }
    }

    func predictFaces(
        _ images: [InputImage], skipped: [SkippedFile], labelsFile: ImageLabels?, classifier: Classifier,
        console: Console
    ) throws(CLIError) -> Int32 {
        let detector = FaceDetector()
        var skipped = skipped
        var pictures: [PictureFaces] = []
        for image in images {
            let picture: Image
            switch ImageLoader.decodedImage(at: image.url) {
            case .success(let decoded):
                picture = decoded
            case .failure(let failure):
                skipped.append(SkippedFile(file: image.displayPath, reason: failure.reason))
                console.log("Warning: skipping \(image.displayPath): \(failure.reason)")
                continue
            }
            let faces = detector.detect(in: picture, minimumScore: minimumFaceScore)
            let probabilities = classifier.predictor.probabilities(of: faces.map { faceCrop(of: picture, around: $0.box) })
            let predictions = zip(faces, probabilities).map { ($0, Prediction(image: image, probabilities: $1)) }
            pictures.append(PictureFaces(
                image: image, faces: predictions, label: labelsFile?.label(forRelativePath: image.relativePath)))
            if let annotate {
                try writeAnnotated(picture, predictions, of: image, to: annotate, classNames: classifier.classNames)
            }
        }
        guard !pictures.isEmpty else { throw .input("none of the \(images.count) images could be decoded") }
        let scored = labelsFile.map { _ in score(pictures, classNames: classifier.classNames, console: console) }

        let names = classifier.classNames
        switch format {
        case .text: console.write(text(pictures, classNames: names, scored: scored))
        case .json:
            console.print(json(pictures, classifier: classifier, topCount: min(top ?? 5, names.count), skipped: skipped,
                               scored: scored).rendered())
        case .csv: console.write(csv(pictures, classNames: names, scored: scored))
        }
        return try exitStatus(accuracy: scored.map { $0.accuracy }, console: console)
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

    private func score(_ pictures: [PictureFaces], classNames: [String], console: Console) -> FaceScore {
        var correct: [[Bool?]] = []
        var labelledWithoutFace = 0
        for picture in pictures {
            let index = labelIndex(picture.label, of: picture.image.displayPath, classNames: classNames, console: console)
            if index != nil && picture.faces.isEmpty { labelledWithoutFace += 1 }
            correct.append(picture.faces.map { face in index.map { $0 == face.prediction.classIndex } })
        }
        return FaceScore(correct: correct, labelledWithoutFace: labelledWithoutFace)
    }

    // MARK: Output

    private func text(_ pictures: [PictureFaces], classNames: [String], scored: FaceScore?) -> String {
        var out = ""
        for (pictureIndex, picture) in pictures.enumerated() {
            guard !picture.faces.isEmpty else {
                out += "File: \(picture.image.displayPath), no face found\n"
                continue
            }
            for (faceIndex, (face, prediction)) in picture.faces.enumerated() {
                out += "File: \(picture.image.displayPath), Face \(faceIndex + 1) at \(face.box), "
                    + "Predicted Class: \(classNames[prediction.classIndex])"
                    + lineEnd(prediction, label: picture.label, correct: scored.map { $0.correct[pictureIndex][faceIndex] },
                              classNames: classNames)
            }
        }
        if let scored {
            let leftOut = scored.labelledWithoutFace == 0 ? "" : "; \(scored.labelledWithoutFace) labelled "
                + (scored.labelledWithoutFace == 1 ? "picture" : "pictures") + " with no face found left out"
            if let accuracy = scored.accuracy {
                out += "Accuracy: \(String(format: "%.4f", accuracy)) (\(scored.right) of \(scored.labelled) labelled "
                    + "faces correct\(leftOut))\n"
            } else {
                out += "Accuracy: none (no face in a picture whose label is one of the model's classes\(leftOut))\n"
            }
        }
        return out
    }

    private func json(
        _ pictures: [PictureFaces], classifier: Classifier, topCount: Int, skipped: [SkippedFile], scored: FaceScore?
    ) -> JSON {
        let names = classifier.classNames
        func pixels(_ value: Float) -> JSON { .number((Double(value) * 100).rounded() / 100) }
        let predictions = pictures.enumerated().map { pictureIndex, picture in
            let faces = picture.faces.enumerated().map { faceIndex, entry in
                let (face, prediction) = entry
                var members: [(String, JSON)] = [
                    ("box", .array([face.box.x, face.box.y, face.box.width, face.box.height].map(pixels))),
                    ("score", probabilityJSON(face.score)),
                    ("class", .string(names[prediction.classIndex])),
                    ("probability", probabilityJSON(prediction.probabilities[prediction.classIndex])),
                    ("top", topJSON(prediction, count: topCount, classNames: names)),
                ]
                if let scored { members.append(("correct", scored.correct[pictureIndex][faceIndex].map(JSON.bool) ?? .null)) }
                return JSON.object(members)
            }
            var members: [(String, JSON)] = [("file", .string(picture.image.displayPath))]
            if scored != nil { members.append(("label", picture.label.map(JSON.string) ?? .null)) }
            members.append(("faces", .array(faces)))
            return JSON.object(members)
        }
        var members = reportJSON(predictions, classifier: classifier, skipped: skipped,
                                 scored: scored.map { ($0.labelled, $0.accuracy) })
        if let scored { members.append(("labelled_without_face", .int(scored.labelledWithoutFace))) }
        return .object(members)
    }

    private func csv(_ pictures: [PictureFaces], classNames: [String], scored: FaceScore?) -> String {
        var out = "file,face,x,y,width,height,score,class,probability" + (scored == nil ? "\n" : ",label,correct\n")
        for (pictureIndex, picture) in pictures.enumerated() {
            let labelFields = scored == nil ? [] : [picture.label ?? ""]
            guard !picture.faces.isEmpty else {
                out += ([picture.image.displayPath] + Array(repeating: "", count: 8) + labelFields + (scored == nil ? [] : [""]))
                    .map(csvField).joined(separator: ",") + "\n"
                continue
            }
            for (faceIndex, (face, prediction)) in picture.faces.enumerated() {
                var fields = [picture.image.displayPath, "\(faceIndex + 1)"]
                fields += [face.box.x, face.box.y, face.box.width, face.box.height].map { String(format: "%.2f", $0) }
                fields += ["\(face.score)", classNames[prediction.classIndex], "\(prediction.probabilities[prediction.classIndex])"]
                if let scored {
                    fields += labelFields + [scored.correct[pictureIndex][faceIndex].map { String($0) } ?? ""]
                }
                out += fields.map(csvField).joined(separator: ",") + "\n"
            }
        }
        return out
    }
}
