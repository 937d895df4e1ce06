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

    /// Bytes of one model input (float32, HWC).
    public var inputByteCount: Int { height * width * 3 * MemoryLayout<Float>.stride }

    /// The model input for one decoded image: `height * width * 3` Float32 values, HWC.
    public func modelInput(from image: Image) -> [Float] {
        [Float](unsafeUninitializedCapacity: height * width * 3) { buffer, initialized in
            writeModelInput(of: .decoded(image), to: buffer.baseAddress!)
            initialized = height * width * 3
        }
    }

    /// The exact form of `image` that is cheapest to keep between epochs: its decoded pixels when they take
    /// fewer bytes than the resized values (they are resized again when used), else the resized values.
    public func prepared(_ image: Image) -> PreparedImage {
        image.pixels.count <= inputByteCount ? .decoded(image) : .resized(resizedRGB(image, height: height, width: width))
    }

    /// Writes the model input of `image` to `output` (`height * width * 3` values): resized to 0...255 RGB,
    /// then `augment` applied to those values in place (training augmentation), then scaled.
    public func writeModelInput(
        of image: PreparedImage, to output: UnsafeMutablePointer<Float>,
        augment: (UnsafeMutablePointer<Float>) -> Void = { _ in }
    ) {
        let count = height * width * 3
        switch image {
        case .decoded(let pixels):
            resizeBilinearRGB(pixels, height: height, width: width, into: output)
        case .resized(let values):
            precondition(values.count == count, "Preprocessing: prepared for another input size")
            values.withUnsafeBufferPointer { output.update(from: $0.baseAddress!, count: count) }
        }
        augment(output)
        let multiplier = scale.multiplier, offset = scale.offset
        if multiplier != 1 || offset != 0 {
            for i in 0..<count { output[i] = output[i] * multiplier + offset }
        }
    }
}

/// What the data pipeline keeps of an image between the epochs that use it. Both forms give the model
/// input bit for bit (resizing is deterministic), so a run is the same whether an image was kept or decoded
/// again; `Preprocessing.prepared(_:)` picks the smaller.
public enum PreparedImage: Sendable {
    /// The decoded 8-bit pixels, resized each time they are used.
    case decoded(Image)
    /// The resized RGB values (0...255, HWC, before scaling).
    case resized([Float])

    /// The memory the image takes.
    public var byteCount: Int {
        switch self {
        case .decoded(let image): return image.pixels.count
        case .resized(let values): return values.count * MemoryLayout<Float>.stride
        }
    }
}
