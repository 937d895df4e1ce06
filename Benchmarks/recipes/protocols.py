"""Which training and held-out folders of make_splits.py a recipe run uses, and how its results row records
that; shared by run_recipes.py, keras_recipes.py and timm_recipe.py. Standard library only."""

FOLDS = 5  # the cross-validation by person
CROSS_VALIDATION = f"people, {FOLDS} folds"  # the label of its rows
SINGLE_PERSON_FOLD = "fold1"  # the largest person goes first: on faces6, Dwarakish's 104 photos alone
FOLDERS = {None: ("train85", "heldout"), "random": ("train-people", "heldout-people"),
           "stratified": ("train-people-stratified", "heldout-people-stratified"),
           **{f"fold{k}": (f"train-people-fold{k}", f"heldout-people-fold{k}") for k in range(1, FOLDS + 1)}}
# The rows' "people" field (absent: False).
MARKS = {None: False, "random": True, **{name: name for name in FOLDERS if name and name != "random"}}


def add_people_option(parser):
    parser.add_argument("--people", nargs="?", const="random", choices=[name for name in FOLDERS if name],
                        help="train on train-people/ and test on heldout-people/ (photos of people no run has seen, "
                        "drawn at random) instead of train85/ and heldout/; 'stratified': on the -stratified folders, "
                        "whose held-out people carry 15%% of every class; 'foldK': fold K of the "
                        f"{FOLDS}-fold cross-validation by person")


def folders(people):
    """(training folder, held-out folder) of the protocol."""
    return FOLDERS[people]


def mark(people):
    """What a results row carries for the protocol."""
    return {"people": MARKS[people]} if people else {}


def same_protocol(row, people):
    return row.get("people", False) == MARKS[people]


def label(row):
    """The protocol of a results row: its training folder, the cross-validation by person, or the full-data split."""
    if row.get("full_data"):
        return "all, 80/20"
    if str(row.get("people", "")).startswith("fold"):
        return CROSS_VALIDATION
    return folders(next(key for key, value in MARKS.items() if value == row.get("people", False)))[0]
