// What the detector reports for a face: its box and keypoints in pixels of the (upright) image, and its score.

/// An axis-aligned rectangle in pixels: `x`, `y` its top-left corner (x right, y down).
public struct FaceBox: Sendable, Equatable, CustomStringConvertible {
    public var x: Float
    public var y: Float
    public var width: Float
    public var height: Float

    public init(x: Float, y: Float, width: Float, height: Float) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Float { x + width }
    public var maxY: Float { y + height }
    public var centre: SIMD2<Float> { SIMD2(x + width / 2, y + height / 2) }
    public var area: Float { max(width, 0) * max(height, 0) }

    /// Intersection over union; 0 when either box is empty.
    public func intersectionOverUnion(_ other: FaceBox) -> Float {
        let overlapWidth = min(maxX, other.maxX) - max(x, other.x)
        let overlapHeight = min(maxY, other.maxY) - max(y, other.y)
        guard overlapWidth > 0 && overlapHeight > 0 else { return 0 }
        let intersection = overlapWidth * overlapHeight
        let union = area + other.area - intersection
        return union > 0 ? intersection / union : 0
    }

    /// `(x, y, w, h)` rounded to whole pixels, as `predict` prints it.
    public var description: String {
        "(\(Int(x.rounded())), \(Int(y.rounded())), \(Int(width.rounded())), \(Int(height.rounded())))"
    }
}

/// One face found in an image.
public struct DetectedFace: Sendable, Equatable {
    public var box: FaceBox
    /// The model's confidence, sigmoid of its logit, in (0, 1).
    public var score: Float
    /// Six points in MediaPipe's order: the two eyes, the nose tip, the mouth centre, the two ear tragions.
    public var keypoints: [SIMD2<Float>]

    public init(box: FaceBox, score: Float, keypoints: [SIMD2<Float>]) {
        self.box = box
        self.score = score
        self.keypoints = keypoints
    }
}
