// How a decoded image becomes model input: its size and the scale of its values. Saved in a model's
// config so that evaluation and prediction feed the model what it was trained on.
import ImageCodecs

/// The range of the values fed to the model.
public enum InputScale: String, Codable, Sendable, CaseIterable {
    /// Pixel values times 1/255 (the Keras `Rescaling(1./255)` layer's product), in [0, 1]. The default.
    case unit
    /// Pixel values 0...255 as they are, as the assignment's Keras model was fed.
    case raw
    /// v / 127.5 − 1, in [−1, 1]: what the pretrained EfficientNet backbones expect.
    case symmetric

    /// The factor the resized pixel values are multiplied by.
    public var multiplier: Float {
        switch self {
        case .unit: return Float(1.0 / 255.0)
        case .raw: return 1
        case .symmetric: return Float(1.0 / 127.5)
        }
    }

    /// Added after the multiplication.
    public var offset: Float {
        self == .symmetric ? -1 : 0
    }
}

/// The model input an image is turned into: resized to `height` x `width` with Keras's bilinear
/// resize, three channels, scaled by `scale`.
public struct Preprocessing: Codable, Sendable, Equatable {
    public var height: Int
    public var width: Int
    public var scale: InputScale

    public init(height: Int, width: Int, scale: InputScale = .unit) {
        precondition(height > 0 && width > 0, "Preprocessing: the input size must be positive")
        self.height = height
        self.width = width
        self.scale = scale
    }

    /// The model input for one decoded image: `height * width * 3` Float32 values, HWC.
    public func modelInput(from image: Image) -> [Float] {
        var values = resizedRGB(image, height: height, width: width)
        let multiplier = scale.multiplier, offset = scale.offset
        if multiplier != 1 || offset != 0 {
            values.withUnsafeMutableBufferPointer { buffer in
                for i in buffer.indices { buffer[i] = buffer[i] * multiplier + offset }
            }
        }
        return values
    }
}
