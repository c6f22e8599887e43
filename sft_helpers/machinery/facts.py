"""The facts the bundled questions ask about, and the answer key ``sft_helpers.machinery.scoring`` checks replies with.

Kept apart from the data generator (``misc/tools/make_bundled_data.py``) so that scoring a reply does not depend on how
the data was made, only on what is true.
"""

CAPITALS = {
    "France": "Paris",
    "Japan": "Tokyo",
    "Italy": "Rome",
    "Spain": "Madrid",
    "Germany": "Berlin",
    "Canada": "Ottawa",
    "Egypt": "Cairo",
    "Kenya": "Nairobi",
    "Peru": "Lima",
    "Norway": "Oslo",
    "Greece": "Athens",
    "Portugal": "Lisbon",
    "Austria": "Vienna",
    "Ireland": "Dublin",
    "Poland": "Warsaw",
    "Chile": "Santiago",
}

# (unit, smaller unit, factor)
CONVERSIONS = [
    ("meters", "centimeters", 100),
    ("kilometers", "meters", 1000),
    ("hours", "minutes", 60),
    ("minutes", "seconds", 60),
    ("days", "hours", 24),
    ("weeks", "days", 7),
    ("kilograms", "grams", 1000),
    ("liters", "milliliters", 1000),
]

OPPOSITES = {
    "hot": "cold",
    "big": "small",
    "fast": "slow",
    "happy": "sad",
    "early": "late",
    "light": "dark",
    "open": "closed",
    "full": "empty",
    "up": "down",
    "old": "new",
    "loud": "quiet",
    "wet": "dry",
}

# Short explanations written for this course.
EXPLANATIONS = {
    "machine learning": "Machine learning is teaching computers to find patterns in examples instead of following hand-written rules.",
    "supervised fine-tuning": "Supervised fine-tuning trains a pretrained model further on example prompts paired with the answers we want.",
    "a language model": "A language model predicts the next piece of text from the text that came before it.",
    "a tokenizer": "A tokenizer splits text into small pieces called tokens and maps each piece to a number.",
    "a loss curve": "A loss curve shows how wrong the model is on its training examples as training goes on.",
    "overfitting": "Overfitting is when a model learns its training examples by heart and does worse on new ones.",
    "a learning rate": "The learning rate sets how big a step the model takes each time it updates its weights.",
    "a battery": "A battery stores chemical energy and releases it as electricity when a circuit is closed.",
    "rain": "Rain forms when water vapour in clouds cools, gathers into drops and becomes heavy enough to fall.",
    "a rainbow": "A rainbow appears when sunlight is bent and split into colours by raindrops in the air.",
    "photosynthesis": "Photosynthesis is how plants use sunlight, water and air to make sugar and release oxygen.",
    "gravity": "Gravity is the pull that objects with mass have on each other, which keeps us on the ground.",
    "a vaccine": "A vaccine trains the immune system to recognise a germ so the body can fight it quickly later.",
    "recycling": "Recycling turns used materials such as paper or glass into new products instead of waste.",
    "a budget": "A budget is a plan for how much money you will earn and spend over a period of time.",
    "sleep": "Sleep lets the body rest and the brain sort memories, so we feel ready the next day.",
}
