/// Namespace of the JPEG codec. (Scaffold: the decoder lands with the codec work.)
public enum JPEG {
    public static func decode(_ bytes: [UInt8]) throws -> Image {
        throw ImageDecodingError.unsupportedFormat(.jpeg)
    }
}
