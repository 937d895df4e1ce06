// Importing EmotionNN also imports EmotionTensor (Tensor, Variable, Tape, the ops, SeededGenerator).

@_exported import EmotionTensor
