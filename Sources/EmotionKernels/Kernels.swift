// The `Kernels` namespace and the small enums its kernels share.
//
// Every kernel takes raw `Unsafe(Mutable)Pointer<Float>` and `Int` dimensions (never tensors), works on
// row-major data, and OVERWRITES its outputs unless its documentation says otherwise. Activations are NHWC
// (channels last, like Keras), conv kernels HWIO, dense weights [inFeatures, outFeatures].

/// Fast CPU kernels (SIMD, cache-blocked, parallel over the cores). `Kernels.Reference` holds naive twins.
public enum Kernels {}

/// Convolution padding. `same` is TensorFlow SAME: output = ceil(input / stride), with the odd pixel of
/// padding at the bottom/right.
public enum Padding: String, Sendable, Codable {
    case valid, same
}

/// The activation a kernel can fuse into its output pass.
public enum Activation: String, Sendable, Codable {
    case linear, relu
}
