// The face detector behind `predict --detect-faces`: BlazeFace short-range on the letterboxed photo, its 896
// anchors decoded, weighted non-maximum suppression, and the faces mapped back to the photo's pixels.

import Foundation
import EmotionNN
import EmotionTensor
import ImageCodecs

/// Finds faces in photos with MediaPipe's BlazeFace short-range model (faces within about 2 m of the camera,
/// at least ~1/10 of the photo's longer side). Thread-safe: `detect` only reads the network.
public final class FaceDetector: @unchecked Sendable {
    // @unchecked: the network's parameters are written once, in init, and only read afterwards.

    /// MediaPipe's default `min_detection_confidence`.
    public static let defaultMinimumScore: Float = 0.5

    private let network: BlazeFace
    private let anchors = SSDAnchors.centres(.blazeFaceShortRange)

    /// The detector with the weights compiled into the program (Weights/face_detection_short_range.safetensors).
    public convenience init() {
        do {
            try self.init(
                weights: Data(PackageResources.face_detection_short_range_safetensors),
                file: "face_detection_short_range.safetensors (built in)")
        } catch {
            preconditionFailure("the built-in face detector weights do not load: \(error)")
        }
    }

    /// The detector with weights from a safetensors file written by Weights/convert_face_detection_short_range.py.
    public convenience init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FaceDetectorError.unreadableWeights(file: url.path, reason: error.localizedDescription)
        }
        try self.init(weights: data, file: url.path)
    }

    private init(weights: Data, file: String) throws {
        network = try BlazeFace(weights: try SafeTensors.decode(weights, file: file), file: file)
    }

    /// The faces in `image` (any size; grey and alpha are handled), best score first, with a score of at
    /// least `minimumScore` (applied before the suppression, as MediaPipe's min_detection_confidence is).
    /// Boxes and keypoints are in pixels of `image`.
    public func detect(in image: Image, minimumScore: Float = defaultMinimumScore) -> [DetectedFace] {
        precondition(image.width > 0 && image.height > 0, "FaceDetector: the image has no pixels")
        let (input, letterbox) = Letterbox.input(for: image, size: BlazeFace.inputSize)
        let (scores, regressions) = network(input)
        let candidates = DetectionDecoding.candidates(
            scores: scores.scalars[...], regressions: regressions.scalars[...], anchors: anchors,
            inputSize: BlazeFace.inputSize, minimumScore: minimumScore)
        return WeightedNonMaximumSuppression.suppress(candidates).map { candidate in
            let minimum = letterbox.photoPoint(candidate.minimum), maximum = letterbox.photoPoint(candidate.maximum)
            return DetectedFace(
                box: FaceBox(x: minimum.x, y: minimum.y, width: maximum.x - minimum.x, height: maximum.y - minimum.y),
                score: candidate.score, keypoints: candidate.keypoints.map(letterbox.photoPoint))
        }
    }
}

public enum FaceDetectorError: Error, CustomStringConvertible, Equatable {
    case unreadableWeights(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableWeights(let file, let reason): return "cannot read the face detector weights \(file): \(reason)"
        }
    }
}
