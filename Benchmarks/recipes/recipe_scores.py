"""The figures every recipe run records (run_recipes.py reads the same ones from `emotion evaluate`), shared by
keras_recipes.py and timm_recipe.py."""
import numpy as np
from sklearn.metrics import balanced_accuracy_score, f1_score

FEAR = 2  # classes are sorted: anger, disgust, fear, happy, sad, surprise


def scores(truth, predicted):
    """Accuracy, count, macro F1, balanced accuracy and fear recall of class indices `predicted` against `truth`."""
    truth, predicted = np.asarray(truth), np.asarray(predicted)
    fear = truth == FEAR
    return {"accuracy": float(np.mean(predicted == truth)), "count": int(len(truth)),
            "macro_f1": float(f1_score(truth, predicted, average="macro")),
            "balanced_accuracy": float(balanced_accuracy_score(truth, predicted)),
            "fear_recall": float(np.mean(predicted[fear] == FEAR)) if fear.any() else 0.0}
