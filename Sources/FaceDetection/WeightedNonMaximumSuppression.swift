// MediaPipe's weighted non-maximum suppression (NonMaxSuppressionCalculator, algorithm WEIGHTED; BlazeFace's
// "blending" tie resolution): take the best remaining candidate, gather every remaining candidate whose IoU
// with it is above the threshold (itself included), and report their score-weighted mean box and keypoints
// with the best one's score; repeat on the rest.

enum WeightedNonMaximumSuppression {
    /// MediaPipe's face detection graphs use 0.3.
    static let defaultThreshold: Float = 0.3

    static func suppress(_ candidates: [Candidate], threshold: Float = defaultThreshold) -> [Candidate] {
        // Best first; equal scores keep their anchor order (a stable sort, as the references' sorts are).
        var remaining = candidates.enumerated().sorted {
            $0.element.score > $1.element.score || ($0.element.score == $1.element.score && $0.offset < $1.offset)
        }.map(\.element)
        var kept: [Candidate] = []
        while let best = remaining.first {
            var cluster: [Candidate] = []
            var rest: [Candidate] = []
            for candidate in remaining {
                if candidate.intersectionOverUnion(best) > threshold { cluster.append(candidate) } else { rest.append(candidate) }
            }
            kept.append(cluster.isEmpty ? best : weightedMean(cluster, score: best.score))
            // A best candidate with an empty box overlaps nothing, not even itself: drop it and go on.
            remaining = rest.count == remaining.count ? Array(rest.dropFirst()) : rest
        }
        return kept
    }

    private static func weightedMean(_ cluster: [Candidate], score: Float) -> Candidate {
        var total: Float = 0
        var minimum = SIMD2<Float>(), maximum = SIMD2<Float>()
        var keypoints = Array(repeating: SIMD2<Float>(), count: cluster[0].keypoints.count)
        for candidate in cluster {
            total += candidate.score
            minimum += candidate.minimum * candidate.score
            maximum += candidate.maximum * candidate.score
            for k in keypoints.indices { keypoints[k] += candidate.keypoints[k] * candidate.score }
        }
        return Candidate(minimum: minimum / total, maximum: maximum / total, keypoints: keypoints.map { $0 / total },
                         score: score)
    }
}
