import EmotionTraining
print("hi")
