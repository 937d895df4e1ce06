// From BlazeFace's raw outputs to candidate detections, as MediaPipe's TensorsToDetectionsCalculator decodes
// them for the face models (reverse_output_order: x before y; x/y/w/h scales 128; anchors of size 1): a
// candidate's centre is the anchor's plus the regressed offset / 128, its size the regressed size / 128, each
// keypoint likewise, and its score is the sigmoid of the clipped logit. Coordinates are in [0, 1] of the
// model's (letterboxed) input square.

import Foundation

/// A decoded detection in the model input's normalised coordinates.
struct Candidate: Equatable {
    var minimum: SIMD2<Float>
    var maximum: SIMD2<Float>
    var keypoints: [SIMD2<Float>]
    var score: Float

    var area: Float { max(maximum.x - minimum.x, 0) * max(maximum.y - minimum.y, 0) }

    func intersectionOverUnion(_ other: Candidate) -> Float {
        let overlap = Candidate(minimum: pointwiseMax(minimum, other.minimum),
                                maximum: pointwiseMin(maximum, other.maximum), keypoints: [], score: 0)
        let intersection = overlap.area
        guard intersection > 0 else { return 0 }
        let union = area + other.area - intersection
        return union > 0 ? intersection / union : 0
    }
}

enum DetectionDecoding {
    /// MediaPipe clips the logits to ±100 before the sigmoid.
    static let logitLimit: Float = 100

    /// The candidates whose score is at least `minimumScore`, in anchor order. `scores` has one logit per
    /// anchor, `regressions` 16 values per anchor (in input pixels of a `inputSize`-pixel square).
    static func candidates(
        scores: ArraySlice<Float>, regressions: ArraySlice<Float>, anchors: [SIMD2<Float>], inputSize: Int,
        minimumScore: Float
    ) -> [Candidate] {
        precondition(scores.count == anchors.count && regressions.count == anchors.count * BlazeFace.regressionCount,
                     "DetectionDecoding: outputs do not match the anchors")
        let scale = 1 / Float(inputSize)
        var candidates: [Candidate] = []
        for (anchor, centre) in anchors.enumerated() {
            let logit = min(max(scores[scores.startIndex + anchor], -logitLimit), logitLimit)
            let score = 1 / (1 + exp(-logit))
            guard score >= minimumScore else { continue }
            let r = regressions.startIndex + anchor * BlazeFace.regressionCount
            let boxCentre = SIMD2(regressions[r], regressions[r + 1]) * scale + centre
            let halfSize = SIMD2(regressions[r + 2], regressions[r + 3]) * (scale / 2)
            guard halfSize.x > 0 && halfSize.y > 0 else { continue }
            let keypoints = (0..<6).map { k in
                SIMD2(regressions[r + 4 + 2 * k], regressions[r + 5 + 2 * k]) * scale + centre
            }
            candidates.append(Candidate(minimum: boxCentre - halfSize, maximum: boxCentre + halfSize,
                                        keypoints: keypoints, score: score))
        }
        return candidates
    }
}
