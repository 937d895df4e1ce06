// `emotion predict --detect-faces` and `emotion dataset --detect-faces`, run as a child process on the face
// detection test photos (Tests/FaceDetectionTests/Fixtures/photos) with a model of seeded random weights:
// the face lines and boxes, pictures without a face, labels per face, JSON, --annotate PNGs, bad input.

import Foundation
import EmotionTestSupport
import ImageCodecs
import Testing

private let photos = RepositoryPaths.root.appendingPathComponent("Tests/FaceDetectionTests/Fixtures/photos")

private func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite struct PredictFacesCommandTests {
    /// `Models/task1-small` and `Photos/` with astronaut.jpg, two-faces.jpg, no-face.jpg, an empty broken.jpg
    /// and labels.csv (no-face.jpg labelled, so it is counted as left out).
    private func workspace() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try saveRandomModel(to: folder.url.appendingPathComponent("Models/task1-small"))
        let pictures = folder.url.appendingPathComponent("Photos")
        try FileManager.default.createDirectory(at: pictures, withIntermediateDirectories: true)
        for name in ["astronaut.jpg", "two-faces.jpg", "no-face.jpg"] {
            try FileManager.default.copyItem(at: photos.appendingPathComponent(name), to: pictures.appendingPathComponent(name))
        }
        try Data().write(to: pictures.appendingPathComponent("broken.jpg"))
        try Data("file,label\nastronaut.jpg,happy\ntwo-faces.jpg,happy\nno-face.jpg,sad\n".utf8)
            .write(to: folder.url.appendingPathComponent("labels.csv"))
        return folder
    }

    @Test func textHasOneLinePerFaceAndReportsPicturesWithoutOne() throws {
        let folder = try workspace()
        defer { folder.remove() }
        let result = try Emotion.run(["predict", "--detect-faces", "./Photos", "--labels", "labels.csv"], in: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(result.stdout)")
        #expect(lines[0].hasPrefix("File: ./Photos/astronaut.jpg, Face 1 at (89, 40, 47, 47), Predicted Class: "))
        #expect(lines[0].contains(", Label: happy, Correct: "))
        #expect(lines[1] == "File: ./Photos/no-face.jpg, no face found")
        #expect(lines[2].hasPrefix("File: ./Photos/two-faces.jpg, Face 1 at (67, 146, 79, 79), Predicted Class: "))
        #expect(lines[3].hasPrefix("File: ./Photos/two-faces.jpg, Face 2 at (270, 67, 62, 62), Predicted Class: "))
        #expect(lines[4].hasPrefix("Accuracy: ") && lines[4].hasSuffix(
            " of 3 labelled faces correct; 1 labelled picture with no face found left out)"), "\(lines[4])")
        #expect(result.stderr.contains("Warning: skipping ./Photos/broken.jpg: the file is empty"), "\(result.stderr)")
    }

    @Test func jsonListsEachPicturesFaces() throws {
        let folder = try workspace()
        defer { folder.remove() }
        let result = try Emotion.run(
            ["predict", "--detect-faces", "--format", "json", "--labels", "labels.csv", "--top", "2", "Photos"],
            in: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try jsonObject(result.stdout)
        let predictions = try #require(json["predictions"] as? [[String: Any]])
        #expect(predictions.map { $0["file"] as? String } == ["Photos/astronaut.jpg", "Photos/no-face.jpg", "Photos/two-faces.jpg"])
        let twoFaces = try #require(predictions[2]["faces"] as? [[String: Any]])
        #expect(twoFaces.count == 2 && (predictions[1]["faces"] as? [Any])?.isEmpty == true)
        let box = try #require(twoFaces[1]["box"] as? [Double])
        #expect(box.count == 4 && abs(box[0] - 269.7) < 1 && abs(box[2] - 61.7) < 1)
        let score = try #require(twoFaces[1]["score"] as? Double)
        #expect(abs(score - 0.901) < 0.02)
        #expect((twoFaces[0]["top"] as? [Any])?.count == 2 && twoFaces[0]["correct"] is Bool)
        #expect(json["labelled"] as? Int == 3 && json["labelled_without_face"] as? Int == 1)
        #expect((json["skipped"] as? [[String: Any]])?.first?["file"] as? String == "Photos/broken.jpg")
    }

    @Test func annotateWritesEachPictureWithItsBoxes() throws {
        let folder = try workspace()
        defer { folder.remove() }
        let result = try Emotion.run(["predict", "--detect-faces", "--annotate", "Drawn", "Photos"], in: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        let drawn = try PNG.decode([UInt8](Data(contentsOf: folder.url.appendingPathComponent("Drawn/two-faces.png"))))
        #expect(drawn.width == 400 && drawn.height == 300 && drawn.channels == 3)
        // The second face's box (270, 67, 62, 62): its left edge is drawn green, its middle is the photo.
        let edge = (120 * 400 + 270) * 3
        #expect(Array(drawn.pixels[edge..<(edge + 3)]) == [0, 230, 64])
        #expect(FileManager.default.fileExists(atPath: folder.path("Drawn/no-face.png")))
    }

    @Test(arguments: [
        (["predict", "--annotate", "Drawn", "Photos"], "'--min-face-score' and '--annotate' go with '--detect-faces'"),
        (["predict", "--detect-faces", "--min-face-score", "1.5", "Photos"], "'--min-face-score' expects a number between 0 and 1"),
        (["dataset", "--data", "Photos", "--detect-faces"], "'--detect-faces' and '--output <dir>' go together"),
    ])
    func badOptionsAreUsageErrors(_ arguments: [String], _ message: String) throws {
        let folder = try workspace()
        defer { folder.remove() }
        let result = try Emotion.run(arguments, in: folder.url)
        #expect(result.status == 2 && result.stderr.contains("Error: \(message)"), "\(result.stderr)")
    }

    @Test func datasetWritesTheSingleFaceCropsAsAClassFolderSet() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for (name, label) in [("astronaut.jpg", "happy"), ("two-faces.jpg", "happy"), ("no-face.jpg", "sad")] {
            try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("faces/\(label)"),
                                                    withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: photos.appendingPathComponent(name),
                                             to: folder.url.appendingPathComponent("faces/\(label)/\(name)"))
        }
        let result = try Emotion.run(["dataset", "--data", "faces", "--detect-faces", "--output", "crops", "--format", "json"],
                                     in: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try jsonObject(result.stdout)
        #expect(json["written"] as? Int == 1)
        let leftOut = try #require(json["left_out"] as? [[String: String]])
        #expect(Set(leftOut.map { $0["file"]! + ": " + $0["reason"]! })
            == ["happy/two-faces.jpg: 2 faces", "sad/no-face.jpg: no face found"])
        // The astronaut's 47-pixel box, framed as faces6 is (1.19 box sides): a 56-pixel square.
        let crop = try PNG.decode([UInt8](Data(contentsOf: folder.url.appendingPathComponent("crops/happy/astronaut.png"))))
        #expect(crop.width == 56 && crop.height == 56)

        let again = try Emotion.run(["dataset", "--data", "faces", "--detect-faces", "--output", "crops"], in: folder.url)
        #expect(again.status == 2 && again.stderr.contains("Error: crops already exists"), "\(again.stderr)")
    }
}
