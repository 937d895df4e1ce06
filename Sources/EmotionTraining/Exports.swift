// Importing EmotionTraining also imports EmotionNN (tensors, layers) and EmotionData (data sets, preprocessing).

@_exported import EmotionNN
@_exported import EmotionData
