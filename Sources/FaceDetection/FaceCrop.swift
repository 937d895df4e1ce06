// The square crop a classifier sees of a detected face, framed the way the training photos are. faces6's
// photos are tight face crops. Measured with the detector on the 830 faces6 training photos, each pasted
// into a 640x480 picture at a side of 110-260 pixels so that the detector sees its face at an ordinary
// photo's scale (Benchmarks/faces/measure_crop_framing.py): the photo's side is a median 1.188 box sides
// (quartiles 1.11-1.27) and its centre sits 0.106 box sides above the box's centre (the box reaches down to
// the chin) and 0.006 to the right. (On the photos themselves, where the face fills the frame, the boxes
// are relatively larger: 1.081.) The model's own preprocessing then resizes the crop.

import ImageCodecs

/// How large a crop is and where its centre sits, relative to the detector's box.
public struct FaceCropFraming: Sendable, Equatable {
    /// Crop side over the box's longer side.
    public var scale: Float
    /// Crop centre minus box centre, in box sides (x right, y down).
    public var shift: SIMD2<Float>

    public init(scale: Float, shift: SIMD2<Float>) {
        self.scale = scale
        self.shift = shift
    }

    /// faces6's framing (see the file comment).
    public static let faces6 = FaceCropFraming(scale: 1.19, shift: SIMD2(0, -0.11))

    /// The crop square for `box`, in pixels: top-left corner and side, rounded to whole pixels.
    public func square(around box: FaceBox) -> (x: Int, y: Int, side: Int) {
        let boxSide = max(box.width, box.height)
        let side = max(1, Int((boxSide * scale).rounded()))
        let centre = box.centre + shift * boxSide
        return (Int((centre.x - Float(side) / 2).rounded()), Int((centre.y - Float(side) / 2).rounded()), side)
    }
}

/// The square of `image` the framing puts around `box`, in the image's channels. Where the square reaches
/// past the image, the image's edge pixels are repeated, so the face stays centred as in training.
public func faceCrop(of image: Image, around box: FaceBox, framing: FaceCropFraming = .faces6) -> Image {
    let (left, top, side) = framing.square(around: box)
    let channels = image.channels
    var pixels = [UInt8](repeating: 0, count: side * side * channels)
    image.pixels.withUnsafeBufferPointer { source in
        pixels.withUnsafeMutableBufferPointer { target in
            for y in 0..<side {
                let sourceRow = min(max(top + y, 0), image.height - 1) * image.width
                for x in 0..<side {
                    let s = (sourceRow + min(max(left + x, 0), image.width - 1)) * channels
                    let d = (y * side + x) * channels
                    for c in 0..<channels { target[d + c] = source[s + c] }
                }
            }
        }
    }
    return Image(width: side, height: side, channels: channels, pixels: pixels)
}
