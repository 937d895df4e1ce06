// The anchor centres of an SSD detector, as MediaPipe's SsdAnchorsCalculator generates them for a model
// with fixed anchor sizes (every anchor is 1 x 1, so the model regresses absolute sizes and only the centres
// matter). Layers with the same stride share one feature map and stack their anchors per cell.

struct SSDAnchorOptions: Sendable {
    var inputSize: Int
    /// One stride per layer; consecutive equal strides are one feature map.
    var strides: [Int]
    /// Where in a cell the centre is (0.5: the middle).
    var offset: Float = 0.5
    /// Aspect ratios per layer (one anchor each) ...
    var aspectRatioCount = 1
    /// ... plus one interpolated-scale anchor per layer when true.
    var interpolatedScaleAnchor = true

    /// MediaPipe's face_detection_short_range options: 128 input, strides 8, 16, 16, 16, aspect ratio 1.0,
    /// interpolated_scale_aspect_ratio 1.0, so 16x16 cells x 2 + 8x8 cells x 6 = 896 anchors.
    static let blazeFaceShortRange = SSDAnchorOptions(inputSize: 128, strides: [8, 16, 16, 16])
}

enum SSDAnchors {
    /// Anchor centres (x, y) in [0, 1], feature map by feature map, cells row by row, a cell's anchors together.
    static func centres(_ options: SSDAnchorOptions) -> [SIMD2<Float>] {
        var centres: [SIMD2<Float>] = []
        var layer = 0
        while layer < options.strides.count {
            let stride = options.strides[layer]
            var sameStride = layer
            while sameStride < options.strides.count && options.strides[sameStride] == stride { sameStride += 1 }
            let perCell = (sameStride - layer) * (options.aspectRatioCount + (options.interpolatedScaleAnchor ? 1 : 0))
            let size = (options.inputSize + stride - 1) / stride
            for y in 0..<size {
                for x in 0..<size {
                    let centre = SIMD2<Float>((Float(x) + options.offset) / Float(size),
                                              (Float(y) + options.offset) / Float(size))
                    centres += Array(repeating: centre, count: perCell)
                }
            }
            layer = sameStride
        }
        return centres
    }
}
