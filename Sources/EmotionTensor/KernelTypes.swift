// Names from EmotionKernels that appear in this module's public API, re-declared so that importers of
// EmotionTensor (and EmotionNN) can use them without importing the kernels.

@_exported import enum EmotionKernels.Padding

import EmotionKernels

/// An activation a conv or dense op fuses into its output pass (`.linear` or `.relu`).
public typealias FusedActivation = EmotionKernels.Activation
