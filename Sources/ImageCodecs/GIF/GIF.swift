/// Namespace of the GIF codec. (Scaffold: the decoder lands with the codec work.)
public enum GIF {
    public static func decode(_ bytes: [UInt8]) throws -> Image {
        throw ImageDecodingError.unsupportedFormat(.gif)
    }
}
