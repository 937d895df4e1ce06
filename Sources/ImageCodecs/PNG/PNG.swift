/// Namespace of the PNG codec. (Scaffold: the decoder lands with the codec work.)
public enum PNG {
    public static func decode(_ bytes: [UInt8]) throws -> Image {
        throw ImageDecodingError.unsupportedFormat(.png)
    }
}
