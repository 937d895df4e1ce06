/// Namespace of the BMP codec. (Scaffold: the decoder lands with the codec work.)
public enum BMP {
    public static func decode(_ bytes: [UInt8]) throws -> Image {
        throw ImageDecodingError.unsupportedFormat(.bmp)
    }
}
