"""Rehearsal data sets shaped like the real Hugging Face data sets of the course's full profile.

* ``tests/data/rehearsal/alpaca/train.jsonl``: like ``tatsu-lab/alpaca`` (one ``train`` split,
  columns ``instruction``, ``input``, ``output``, ``text``), defects included: a few empty outputs
  (the real set has 28, tatsu-lab/stanford_alpaca#265), one output of only whitespace, and answers
  longer than 256 GPT-2 tokens (essays, lists, code, a story).
* ``tests/data/rehearsal/everyday/{train,test}.jsonl``: like ``HuggingFaceTB/smoltalk``,
  subset ``everyday-conversations`` (columns ``full_topic`` and ``messages``): multi-turn small talk,
  long friendly replies, nothing the course can check, and one conversation longer than 1024
  SmolLM2 tokens.

Every text below was written for this course. Variety comes from combining the texts with a seeded
``random.Random``; ``python misc/tools/make_rehearsal_data.py`` rewrites the files, and
``tests/rehearsal/test_rehearsal_data.py`` checks that they are current.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from sft_helpers.data import instruction_prompt

SEED = 20_250_611
DATA_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "rehearsal"
ALPACA_DIR = DATA_DIR / "alpaca"
EVERYDAY_DIR = DATA_DIR / "everyday"

ALPACA_COLUMNS = ["instruction", "input", "output", "text"]
EVERYDAY_COLUMNS = ["full_topic", "messages"]
N_TEST_TOPICS = 2  # topics held out for the test split, two conversations each: every evaluation of the real 135M model on a CPU costs seconds per conversation

# ---------------------------------------------------------------------------------------------
# Alpaca-shaped records
# ---------------------------------------------------------------------------------------------

# Like the real set's ``text``: a fixed sentence before the template, one wording with an input and
# one without (our own wording, not Stanford's).
PREAMBLE = "The task below is written for an assistant. Reply with a response that carries it out well."
PREAMBLE_WITH_INPUT = (
    "The task below is written for an assistant, and it comes with some input to work on. "
    "Reply with a response that carries it out well, using the input."
)

# Families: one task, several phrasings of its instruction (chosen by the seeded random), and
# hand-written (input, output) items.
ALPACA_FAMILIES: list[tuple[list[str], list[tuple[str, str]]]] = [
    (
        [
            "Classify the sentiment of the following review as positive, negative or neutral.",
            "Decide whether this review is positive, negative or neutral.",
            "Label the sentiment of the review below.",
        ],
        [
            ("The soup arrived cold and the waiter never came back to our table.", "Negative"),
            ("I have worn these boots every day for a whole winter and they still look new.", "Positive"),
            ("The hotel was about what you would expect for the price.", "The sentiment of the review is neutral."),
            ("Setup took five minutes and the picture quality blew me away.", "Positive"),
            ("The battery barely lasts half a day, which makes the phone hard to recommend.", "The review is negative."),
        ],
    ),
    (
        [
            "Correct the grammar in the sentence.",
            "Fix the grammatical errors in this sentence.",
            "Rewrite the sentence so that it is grammatically correct.",
        ],
        [
            ("Me and my sister goes to the market every saturdays.", "My sister and I go to the market every Saturday."),
            ("There is many reasons why people enjoys gardening.", "There are many reasons why people enjoy gardening."),
            ("He don't know where did she put the keys.", "He doesn't know where she put the keys."),
            ("The committee have not yet decide on the date.", "The committee has not yet decided on the date."),
        ],
    ),
    (
        [
            "Classify the animal as a mammal, bird, reptile, amphibian or fish.",
            "Which class of animal does this belong to: mammal, bird, reptile, amphibian or fish?",
        ],
        [
            ("Salamander", "Amphibian"),
            ("Dolphin", "Mammal"),
            ("Penguin", "Bird"),
            ("Gecko", "Reptile"),
            ("Seahorse", "Fish. Despite its unusual shape, the seahorse is a bony fish with gills and fins."),
        ],
    ),
    (
        ["Rewrite the sentence in a more formal tone.", "Make this sentence sound more professional."],
        [
            ("Hey, can you send me that report thing by tomorrow?", "Could you please send me the report by tomorrow?"),
            ("We messed up your order, sorry about that.", "We apologise for the error in your order."),
            ("The meeting's gonna get pushed to next week.", "The meeting will be postponed until next week."),
        ],
    ),
    (
        ["Suggest a title for an article with the following summary.", "Come up with a catchy headline for this article summary."],
        [
            (
                "A town in northern Spain turns its old railway line into a cycling path that brings in tourists.",
                "From Tracks to Trails: How an Old Railway Revived a Spanish Town",
            ),
            (
                "Researchers find that short walks after meals help keep blood sugar steady.",
                "A Stroll After Supper: Why Short Walks Steady Your Blood Sugar",
            ),
            (
                "A primary school replaces homework with reading time and sees grades improve.",
                "No Homework, Better Grades? One School's Reading Experiment",
            ),
        ],
    ),
]

# (instruction, input, output): one record each.
ALPACA_TASKS: list[tuple[str, str, str]] = [
    (
        "Give three tips for keeping houseplants healthy.",
        "",
        "1. Water only when the top few centimetres of soil feel dry, since soggy roots rot quickly.\n"
        "2. Put each plant where the light suits it: most leafy plants like bright light that is not direct midday sun.\n"
        "3. Wipe dust off the leaves now and then so they can take in light properly.",
    ),
    (
        "Explain why the sky looks blue during the day.",
        "",
        "Sunlight contains all colours. When it passes through the atmosphere, the tiny gas molecules in the air "
        "scatter short wavelengths, such as blue, much more strongly than long wavelengths, such as red. This "
        "scattered blue light reaches our eyes from every direction, so the whole sky looks blue. At sunrise and "
        "sunset the light travels through much more air, most of the blue is scattered away before it reaches us, "
        "and the remaining reds and oranges take over.",
    ),
    (
        "Summarize the paragraph in one sentence.",
        "Honeybees tell each other where to find food with a movement known as the waggle dance. A forager "
        "returning to the hive walks in a figure-eight pattern, and the angle of the straight run shows the "
        "direction of the flowers relative to the sun. The length of the run signals how far away the food is, "
        "so the colony can send workers exactly where they are needed.",
        "Honeybees use a figure-eight waggle dance whose angle and length tell other bees the direction and distance of food.",
    ),
    ("Write a haiku about the first snow of winter.", "", "Soft flakes on the step\nthe whole street holds its breath now\nno footprints but mine"),
    (
        "Brainstorm five names for a neighbourhood coffee shop.",
        "",
        "1. The Daily Grind Corner\n2. Steam & Stories\n3. Bean There\n4. The Porch Cup\n5. Morning Commons",
    ),
    (
        "Convert the sentence from active to passive voice.",
        "The chef prepared a special menu for the holiday.",
        "A special menu was prepared by the chef for the holiday.",
    ),
    (
        "Write a Python function that returns the largest number in a list.",
        "",
        "```python\ndef largest(numbers):\n    if not numbers:\n        raise ValueError(\"the list is empty\")\n"
        "    biggest = numbers[0]\n    for n in numbers[1:]:\n        if n > biggest:\n            biggest = n\n"
        "    return biggest\n```\n\nThe built-in `max(numbers)` does the same in a single call.",
    ),
    (
        "A train travels 180 kilometres in 2 hours. What is its average speed?",
        "",
        "Average speed is distance divided by time: 180 km / 2 h = 90 km per hour.",
    ),
    ("Identify the main verb in the sentence.", "After the long meeting, the whole team quietly walked to the station.", "walked"),
    (
        "Describe the taste of a ripe mango to someone who has never eaten one.",
        "",
        "A ripe mango is very sweet, with a rich, almost honey-like flavour and a hint of citrus. The flesh is soft "
        "and juicy, a little like a cross between a peach and a pineapple, and there can be a faint, resin-like note "
        "close to the skin.",
    ),
    (
        "Generate a list of four questions to ask at the end of a job interview.",
        "",
        "1. What does a typical week look like for someone in this role?\n"
        "2. How will success in this position be measured in the first six months?\n"
        "3. What do you enjoy most about working for this team?\n"
        "4. What are the next steps in the hiring process?",
    ),
    ("Translate the sentence into Spanish.", "Where is the nearest train station?", "¿Dónde está la estación de tren más cercana?"),
    (
        "Find the odd one out and explain your choice.",
        "Violin, cello, trumpet, viola",
        "The trumpet is the odd one out: it is a brass instrument, while the violin, cello and viola are all string instruments.",
    ),
    (
        "Suggest a healthy breakfast for a busy weekday.",
        "",
        "Overnight oats are a good choice. The night before, mix rolled oats with milk or yoghurt, add a spoonful of "
        "seeds and some berries, and leave the jar in the fridge. In the morning it is ready to eat, keeps you full "
        "until lunch, and takes no time at all.",
    ),
    ("Rewrite the sentence using a simile.", "The room was very quiet.", "The room was as quiet as a library at midnight."),
    (
        "What is the difference between weather and climate?",
        "",
        "Weather is the state of the atmosphere at a given place and time, such as today's rain or tomorrow's heat. "
        "Climate is the average pattern of weather in a region over many years, usually thirty or more. In short, "
        "weather is what you get on a particular day, and climate is what you can expect.",
    ),
    (
        "Compose a short, polite email declining a meeting invitation.",
        "",
        "Subject: Re: Planning meeting on Thursday\n\nHi Sam,\n\nThank you for the invitation. Unfortunately I have a "
        "prior commitment on Thursday afternoon and will not be able to attend. Could you share the notes afterwards? "
        "I am happy to send my thoughts on the agenda items beforehand.\n\nBest regards,\nAlex",
    ),
    ("Sort the words into alphabetical order.", "pear, apple, mango, banana, cherry", "apple, banana, cherry, mango, pear"),
    (
        "Explain what a metaphor is and give an example.",
        "",
        "A metaphor describes something by saying it is something else, suggesting a likeness without using \"like\" "
        "or \"as\". For example, \"Time is a thief\" suggests that time quietly takes things from us, such as youth "
        "and opportunities.",
    ),
    (
        "Calculate the total cost.",
        "Three notebooks at $2.40 each and two pens at $1.15 each",
        "Notebooks: 3 × $2.40 = $7.20. Pens: 2 × $1.15 = $2.30. Total: $7.20 + $2.30 = $9.50.",
    ),
    (
        "Give an example of a renewable source of energy and describe how it works.",
        "",
        "Wind power is renewable. Wind turns the large blades of a turbine, which spin a shaft connected to a "
        "generator. The generator converts that motion into electricity, which is fed into the grid. Because wind is "
        "driven by the sun heating the Earth unevenly, it will not run out.",
    ),
    ("Create a short slogan for a campaign that encourages people to cycle to work.", "", "Pedal to work, arrive awake."),
    (
        "Name the literary device used in the sentence.",
        "The wind whispered secrets through the trees.",
        "Personification: the wind is given the human ability to whisper.",
    ),
    ("List the planets of the solar system in order from the Sun.", "", "Mercury, Venus, Earth, Mars, Jupiter, Saturn, Uranus, Neptune."),
    (
        "Write a SQL query that selects all customers from the city of Lyon.",
        "Table: customers (id, name, city, signup_date)",
        "SELECT id, name, city, signup_date\nFROM customers\nWHERE city = 'Lyon';",
    ),
    (
        "Explain the difference between a virus and a bacterium in simple terms.",
        "",
        "Bacteria are tiny single-celled living things that can grow and divide on their own; many are harmless or "
        "even helpful, and some cause illness. Viruses are much smaller and are not cells at all: they can only "
        "multiply by getting inside a living cell and using its machinery. Antibiotics can kill many bacteria but do "
        "not work against viruses.",
    ),
    (
        "Turn the list of facts into a short paragraph.",
        "Lighthouse built in 1874; 32 metres tall; automated in 1981; now a museum",
        "The lighthouse was built in 1874 and stands 32 metres tall. It was automated in 1981, and today the "
        "building is a museum where visitors can learn about its long history.",
    ),
    (
        "Suggest two ways to reduce food waste at home.",
        "",
        "First, plan meals for the week and shop with a list, so you only buy what you will use. Second, keep older "
        "food at the front of the fridge and turn leftovers into new dishes, such as soups, omelettes or fried rice, "
        "before they spoil.",
    ),
    (
        "Edit the paragraph to make it more concise.",
        "In my personal opinion, I think that the new park is a really very good addition to the town, because of "
        "the fact that it gives people a place where they are able to go in order to relax.",
        "I think the new park is a good addition to the town because it gives people a place to relax.",
    ),
    (
        "What would be a good name for a golden retriever puppy?",
        "",
        "Biscuit would suit a golden retriever puppy: it matches the warm colour of the coat and sounds friendly and playful.",
    ),
    (
        "Explain what the following Python code does.",
        "squares = [n * n for n in range(1, 6)]",
        "It builds a list called `squares` holding the squares of the whole numbers from 1 to 5, using a list "
        "comprehension: `[1, 4, 9, 16, 25]`. `range(1, 6)` stops before 6, so 5 is the last number squared.",
    ),
    (
        "Give a one-sentence definition of democracy.",
        "",
        "Democracy is a system of government in which power rests with the people, who choose their leaders and shape "
        "laws through free and fair elections.",
    ),
    (
        "Write a riddle whose answer is a shadow.",
        "",
        "I follow you all day but vanish at night; I copy your moves yet never make a sound; the brighter the sun, "
        "the darker I become. What am I?",
    ),
    ("Categorize each item as a fruit or a vegetable.", "Carrot, plum, spinach, kiwi, broccoli", "Fruit: plum, kiwi\nVegetable: carrot, spinach, broccoli"),
    (
        "Describe the water cycle in four steps.",
        "",
        "1. Evaporation: the sun heats water in oceans, lakes and rivers, turning some of it into vapour.\n"
        "2. Condensation: the vapour rises, cools and forms clouds made of tiny droplets.\n"
        "3. Precipitation: the droplets join, grow heavy and fall as rain, snow or hail.\n"
        "4. Collection: the water gathers in rivers, lakes, oceans and underground, and the cycle begins again.",
    ),
    (
        "A recipe needs 250 grams of flour for 10 cookies. How much flour is needed for 24 cookies?",
        "",
        "Each cookie needs 250 / 10 = 25 grams of flour, so 24 cookies need 24 × 25 = 600 grams of flour.",
    ),
    ("Provide an antonym for the word and use it in a sentence.", "generous", "Antonym: stingy. Sentence: The stingy landlord refused to fix the broken heater."),
    (
        "Write an opening line for a mystery novel.",
        "",
        "The clock in the hallway had stopped at 3:17, and nobody in the house would admit to having touched it.",
    ),
    (
        "Why do leaves change colour in autumn?",
        "",
        "Leaves are green because of chlorophyll, which plants use to capture sunlight. As days grow shorter and "
        "cooler in autumn, many trees stop making chlorophyll and break it down. The green fades and reveals yellow "
        "and orange pigments that were there all along, while some trees also make red pigments from sugars trapped "
        "in the leaves.",
    ),
    (
        "Rewrite the following text for a five-year-old.",
        "Photosynthesis is the process by which plants convert light energy into chemical energy stored in glucose.",
        "Plants make their own food from sunlight. Their leaves catch the light and turn it into sugar, which gives "
        "the plant energy to grow.",
    ),
    (
        "Generate a packing list for a weekend camping trip.",
        "",
        "- Tent, pegs and a mallet\n- Sleeping bag and sleeping mat\n- Head torch with spare batteries\n"
        "- Camping stove, fuel, a pot and a lighter\n- Water bottles and a filter\n- Easy meals and snacks\n"
        "- Warm layers and a waterproof jacket\n- First-aid kit and sunscreen\n- Rubbish bags to take everything home",
    ),
    (
        "Identify the logical fallacy in the argument.",
        "Everyone in my office uses this app, so it must be the best one available.",
        "This is an appeal to popularity (the bandwagon fallacy): the fact that many people use the app does not show "
        "that it is better than the alternatives.",
    ),
    (
        "Write a JavaScript function that checks whether a string is a palindrome.",
        "",
        "```javascript\nfunction isPalindrome(text) {\n  const cleaned = text.toLowerCase().replace(/[^a-z0-9]/g, \"\");\n"
        "  return cleaned === cleaned.split(\"\").reverse().join(\"\");\n}\n\n"
        "console.log(isPalindrome(\"Never odd or even\")); // true\n```",
    ),
    (
        "Offer advice to someone who is nervous about public speaking.",
        "",
        "Prepare well, then practise out loud several times, ideally in front of a friend. Focus on one clear message "
        "rather than memorising every word. Before you start, take a few slow breaths and remember that the audience "
        "wants you to succeed. Nerves are normal, and a little extra energy often makes a talk more lively.",
    ),
    (
        "Compare cats and dogs as pets in two sentences.",
        "",
        "Cats are usually independent, quiet and happy in a small flat, needing little more than food, a litter tray "
        "and some play. Dogs tend to be more social and eager to please, but they need daily walks, training and much "
        "more of their owner's time.",
    ),
    (
        "Extract the names of the people mentioned in the text.",
        "At the award ceremony, Priya Natarajan thanked her mentor, Tomás Ruiz, and her colleague Hannah Berg for their support.",
        "Priya Natarajan, Tomás Ruiz, Hannah Berg",
    ),
    (
        "Estimate how long it would take to walk 15 kilometres, and explain your reasoning.",
        "",
        "An adult walks at roughly 5 kilometres per hour on flat ground, so 15 kilometres would take about 3 hours, "
        "plus some extra time for breaks or hills.",
    ),
    (
        "Create a multiple-choice question about the French Revolution.",
        "",
        "In which year did the storming of the Bastille take place?\nA) 1776\nB) 1789\nC) 1804\nD) 1815\n\nAnswer: B) 1789",
    ),
    ("Rewrite the sentence without using the letter 'e'.", "The weather was perfect for a walk.", "A calm, sunny day, just right for a stroll."),
    (
        "Describe a sunset over the ocean in three sentences.",
        "",
        "The sun sank slowly toward the horizon, spilling a path of gold across the water. Streaks of pink and violet "
        "spread through the clouds as the light softened. Within minutes the sea turned a deep blue, and the first "
        "stars appeared above the waves.",
    ),
    ("Classify the following email subject line as spam or not spam.", "Congratulations!!! You have been selected to receive a free cruise", "Spam"),
    (
        "Explain the rule of thirds in photography.",
        "",
        "The rule of thirds imagines the frame divided by two horizontal and two vertical lines into nine equal parts. "
        "Placing the subject along those lines, or where they cross, usually gives a more balanced and interesting "
        "picture than putting it dead centre. A horizon, for example, often looks better on the upper or lower line "
        "than straight across the middle.",
    ),
    ("Give the plural form of each noun.", "child, mouse, cactus, sheep", "children, mice, cacti (or cactuses), sheep"),
    (
        "Propose an idea for a science fair project for a twelve-year-old.",
        "",
        "Test which material keeps an ice cube frozen the longest. Wrap identical ice cubes in foil, cotton, newspaper, "
        "bubble wrap and wool, leave one unwrapped as a control, and time how long each takes to melt. The project "
        "teaches fair testing and insulation, and the results are easy to present in a chart.",
    ),
    ("Convert the temperature from Celsius to Fahrenheit.", "25 °C", "25 °C is 77 °F (25 × 9/5 + 32 = 77)."),
    (
        "Write a thank-you note to a neighbour who watered your plants.",
        "",
        "Dear Mrs Okafor,\n\nThank you so much for looking after my plants while I was away. They are greener than "
        "when I left! I really appreciate your kindness, and I hope you will let me return the favour soon.\n\n"
        "Warm wishes,\nDaniel",
    ),
]

# Answers far longer than the full profile's max_length of 256 tokens: Alpaca has answers of 500+.
ALPACA_LONG_TASKS: list[tuple[str, str, str]] = [
    (
        "Write an essay about why public libraries still matter.",
        "",
        "Public libraries are sometimes described as relics of a time before the internet, but that view misses what "
        "they actually do for their communities. A library is one of the few indoor places where anyone can spend the "
        "whole day without being expected to buy anything. Students use it as a quiet place to study, job seekers use "
        "its computers and printers to apply for work, and older people come for company as much as for books.\n\n"
        "Libraries also protect equal access to information. Not every household can afford books, newspaper "
        "subscriptions or a fast internet connection. By lending these resources for free, libraries make sure that a "
        "child's curiosity or an adult's ambition does not depend on their income. Librarians add something a search "
        "engine cannot: they help people judge which sources are reliable, and they point readers toward material "
        "they would never have found on their own.\n\n"
        "Beyond lending, modern libraries have become community centres. They host story times for toddlers, homework "
        "clubs, language cafés, coding workshops and exhibitions by local artists. Many offer help with filling in "
        "official forms or learning to use a smartphone. These services are especially valuable in small towns, where "
        "the library may be the last public meeting place left.\n\n"
        "Of course, libraries face real challenges. Their funding is often cut first when councils need to save money, "
        "and their buildings need investment to stay welcoming. Yet the cost of a library is modest compared with the "
        "value it returns in education, social connection and opportunity.\n\n"
        "In conclusion, public libraries matter today not because they store books, but because they open doors. They "
        "give everyone, whatever their background, a place to learn, to meet others and to take part in public life. "
        "A community that keeps its library alive invests in its own future.",
    ),
    (
        "Write a Python program that counts how often each word appears in a text file and prints the ten most common words.",
        "",
        "Here is a short program that uses only the standard library:\n\n"
        "```python\nimport re\nimport sys\nfrom collections import Counter\n\n\n"
        "def count_words(path):\n"
        "    \"\"\"Return a Counter of the lower-cased words in the file at path.\"\"\"\n"
        "    counts = Counter()\n"
        "    with open(path, encoding=\"utf-8\") as handle:\n"
        "        for line in handle:\n"
        "            words = re.findall(r\"[a-z']+\", line.lower())\n"
        "            counts.update(words)\n"
        "    return counts\n\n\n"
        "def main():\n"
        "    if len(sys.argv) != 2:\n"
        "        print(\"usage: python word_count.py FILE\")\n"
        "        sys.exit(1)\n"
        "    counts = count_words(sys.argv[1])\n"
        "    for word, n in counts.most_common(10):\n"
        "        print(f\"{word:<15} {n}\")\n\n\n"
        "if __name__ == \"__main__\":\n"
        "    main()\n```\n\n"
        "How it works:\n\n"
        "1. `count_words` opens the file and reads it one line at a time, so even large files do not need to fit in memory.\n"
        "2. Each line is lower-cased, and a regular expression picks out the words, keeping apostrophes so that words "
        "like \"don't\" stay whole.\n"
        "3. A `Counter` adds up how often each word appears.\n"
        "4. `most_common(10)` returns the ten most frequent words with their counts, which the program prints in two "
        "aligned columns.\n\n"
        "Run it with `python word_count.py notes.txt`. To ignore very common words such as \"the\" or \"and\", keep a "
        "set of stop words and skip them before updating the counter.",
    ),
    (
        "Write a short story about a lighthouse keeper who finds an unexpected visitor.",
        "",
        "For eleven years, Marta had kept the lighthouse on Gull Point alone. Supplies came by boat every second "
        "Tuesday, and apart from the skipper's wave, the only voices she heard belonged to the radio and the wind.\n\n"
        "On the night of the autumn gale, she was climbing the spiral stairs to check the lamp when she heard a knock "
        "at the door below. Three slow knocks, then silence. Marta froze. No boat could have landed in that sea, and "
        "the path from the mainland had been under water since the afternoon.\n\n"
        "She took the heavy torch from its hook and went down. When she opened the door, the wind nearly tore it from "
        "her hands. On the step stood a small boy in a yellow raincoat, soaked to the skin and holding a jam jar with "
        "a candle stub inside.\n\n"
        "\"I followed your light,\" he said, as if that explained everything.\n\n"
        "Marta brought him in, wrapped him in a blanket and set a pan of milk on the stove. His name was Tomas, he "
        "said, and his family's sailing boat had dragged its anchor in the bay. His father had told him to row the "
        "dinghy toward the lighthouse and wait there, while he and Tomas's mother tried to save the boat.\n\n"
        "Marta radioed the coastguard, her fingers stiff with cold and worry. Then she did the only other thing she "
        "could: she climbed back up and kept the lamp turning, steady and bright, so that anyone still out in the dark "
        "would know where the rocks were.\n\n"
        "The hours crawled by. Tomas fell asleep by the stove with the jam jar in his lap. Just before dawn, the radio "
        "crackled. The lifeboat crew had found a sailing boat sheltering behind the headland, with two tired but "
        "unharmed adults aboard.\n\n"
        "When the parents reached Gull Point later that morning, Tomas ran to them across the wet rocks. His mother "
        "hugged Marta so hard that she laughed for the first time in months.\n\n"
        "Before they left, Tomas pressed the jam jar into her hands. \"For the next person who needs to find you,\" he "
        "said.\n\n"
        "Marta kept it on the windowsill beside the lamp. Every evening, when she lit the great light, she lit the "
        "little candle too, and for the first time in eleven years the lighthouse did not feel quite so lonely.",
    ),
    (
        "Generate a list of twelve tips for working from home productively.",
        "",
        "1. Keep regular hours. Start and finish at roughly the same time each day so that work does not spread into "
        "your whole evening.\n"
        "2. Set up a dedicated workspace. Even a corner of a room helps your brain switch into work mode when you sit there.\n"
        "3. Get dressed for the day. Changing out of sleepwear is a small signal that the working day has begun.\n"
        "4. Plan your day the evening before. Write down your three most important tasks so you can start straight "
        "away in the morning.\n"
        "5. Work in focused blocks. Try 45 to 50 minutes of concentrated work followed by a short break.\n"
        "6. Turn off unnecessary notifications. Check email and chat at set times instead of reacting to every ping.\n"
        "7. Take a proper lunch break. Step away from the screen, eat somewhere else and, if you can, go outside.\n"
        "8. Move regularly. Stand up, stretch or walk around at least once an hour to avoid stiffness.\n"
        "9. Stay in touch with colleagues. A quick video call or message keeps you connected and prevents misunderstandings.\n"
        "10. Agree on boundaries with the people you live with. Let them know when you need quiet for calls or deep work.\n"
        "11. Invest in good equipment. A comfortable chair, a separate keyboard and a screen at eye level protect your "
        "back and neck.\n"
        "12. Finish with a shutdown ritual. Review what you achieved, note tomorrow's first task and close your laptop, "
        "so that the working day has a clear end.",
    ),
    (
        "Explain how compound interest works, using the example below.",
        "Deposit: $1,000; yearly interest rate: 5%; period: 3 years",
        "Compound interest means that you earn interest not only on the money you first put in, but also on the "
        "interest you have already earned. Each year the interest is added to the balance, and the next year's "
        "interest is calculated on that larger amount. Over time this makes savings grow faster and faster, like a "
        "snowball rolling downhill.\n\n"
        "With $1,000 deposited at 5% a year, compounded once a year:\n\n"
        "- Year 1: $1,000 × 0.05 = $50 in interest, so the balance becomes $1,050.\n"
        "- Year 2: $1,050 × 0.05 = $52.50 in interest, so the balance becomes $1,102.50.\n"
        "- Year 3: $1,102.50 × 0.05 = $55.13 in interest (rounded), so the balance becomes $1,157.63.\n\n"
        "After three years you have earned $157.63 in total. With simple interest, where interest is only ever paid on "
        "the original $1,000, you would have earned exactly $150. The extra $7.63 is the effect of compounding.\n\n"
        "The same result comes from the formula A = P × (1 + r)^n, where P is the starting amount, r is the yearly "
        "rate as a decimal and n is the number of years: 1,000 × 1.05^3 = 1,157.63.\n\n"
        "The difference looks small over three years, but it grows dramatically over longer periods. Left for 30 years "
        "at the same rate, the $1,000 would become about $4,322, while simple interest would give only $2,500. This is "
        "why starting to save early matters so much: time does most of the work.",
    ),
]

# The real set's defects: records whose output is empty (tatsu-lab/stanford_alpaca#265) ...
ALPACA_EMPTY_OUTPUT_TASKS: list[tuple[str, str]] = [
    ("Record a short voice message welcoming new members to the club.", ""),
    ("Draw a simple diagram of the parts of a flower.", ""),
    (
        "Rearrange the following sentences into a coherent paragraph.",
        "Then add the pasta. First, boil the water. Finally, drain it and serve.",
    ),
]
# ... and one whose output is only whitespace.
ALPACA_WHITESPACE_OUTPUT_TASKS: list[tuple[str, str, str]] = [
    ("Create a chart comparing the populations of three cities.", "", " \n"),
]


def alpaca_text(instruction: str, input: str, output: str) -> str:
    """The whole example as one string, like the real set's ``text``: a preamble, the template, the output."""
    preamble = PREAMBLE_WITH_INPUT if input else PREAMBLE
    return f"{preamble}\n\n{instruction_prompt(instruction, input)}{output}"


def alpaca_record(instruction: str, input: str, output: str) -> dict[str, str]:
    return {"instruction": instruction, "input": input, "output": output, "text": alpaca_text(instruction, input, output)}


def make_alpaca(rng: random.Random) -> list[dict[str, str]]:
    """All Alpaca-shaped records, in a seeded order (the defective ones land wherever the shuffle puts them)."""
    triples = [(rng.choice(phrasings), input, output) for phrasings, items in ALPACA_FAMILIES for input, output in items]
    triples += ALPACA_TASKS + ALPACA_LONG_TASKS
    triples += [(instruction, input, "") for instruction, input in ALPACA_EMPTY_OUTPUT_TASKS]
    triples += ALPACA_WHITESPACE_OUTPUT_TASKS
    rng.shuffle(triples)
    return [alpaca_record(*t) for t in triples]


# ---------------------------------------------------------------------------------------------
# everyday-conversations-shaped records
# ---------------------------------------------------------------------------------------------

GREETINGS_USER = ["Hi", "Hello", "Hi there", "Hey", "Good morning", "Hello!", "Hi!"]
GREETINGS_ASSISTANT = [
    "Hello! How can I help you today?",
    "Hi there! What can I do for you today?",
    "Hello! What's on your mind today?",
    "Hey! How can I help?",
    "Hi! It's nice to hear from you. What would you like to talk about?",
]
THANKS_USER = [
    "Thanks, that's really helpful.",
    "Great, thank you!",
    "That sounds good. Thanks for the ideas.",
    "Thank you, I'll give that a try.",
    "Perfect, thanks so much.",
]
THANKS_ASSISTANT = [
    "You're welcome! Have fun with it, and feel free to come back if you have more questions.",
    "Happy to help! Good luck, and enjoy it.",
    "My pleasure. I hope it goes well, and let me know how it turns out.",
    "You're very welcome! Take care, and have a lovely day.",
]

# (full_topic, [(user, assistant), ...]). A topic with three exchanges becomes two conversations,
# split where the seeded random says; every exchange can open a conversation or follow another.
TOPICS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Travel/Packing for a trip",
        [
            (
                "I'm going away for a week and I always pack too much. How do I keep it light?",
                "A good trick is to plan outfits around two or three colours that all go together, so every top works "
                "with every pair of trousers. Pack for about four days and plan a quick wash midway through. Wear your "
                "bulkiest shoes and jacket on travel day, and use small bags or packing cubes to keep things tidy. If "
                "you're unsure about an item, leave it behind; you rarely miss it.",
            ),
            (
                "Should I bring only a carry-on, or check a bag?",
                "If you can manage with a carry-on, it saves time at both ends of the trip: no waiting at the baggage "
                "belt and no risk of a lost suitcase. It works best for short trips and when you can do laundry. Check "
                "a bag if you need bulky gear, lots of liquids, or special clothes for an event. Either way, keep "
                "medicines, chargers and a change of clothes in the bag that stays with you.",
            ),
            (
                "What are some things people usually forget to pack?",
                "Chargers and adapters top the list, followed by toothbrushes, medication and sunglasses. Many people "
                "also forget a reusable water bottle, a small first-aid kit, or copies of important documents. A simple "
                "fix is to keep a checklist on your phone and tick things off as they go in the bag. It also helps to "
                "pack the night before rather than rushing on the morning you leave.",
            ),
        ],
    ),
    (
        "Food & Drink/Weeknight dinners",
        [
            (
                "I get home late most evenings. Do you have ideas for quick dinners?",
                "Sure! Stir-fries are hard to beat: some sliced vegetables, a protein like tofu or chicken, and a simple "
                "sauce of soy, garlic and ginger come together in about fifteen minutes. Pasta with pesto and cherry "
                "tomatoes is another fast option, and so are wraps filled with leftovers. Cooking a big pot of rice or "
                "grains at the weekend makes weekday meals even quicker.",
            ),
            (
                "How can I make cooking feel less like a chore?",
                "Put on music or a podcast you enjoy, and arrange your kitchen so the things you use most are within "
                "reach. Having a few go-to recipes you can make without thinking takes the pressure off, and trying "
                "one new dish a week keeps it interesting. Cooking with a partner or friend can turn it into a social "
                "moment, and cleaning as you go means less waiting for you afterwards.",
            ),
            (
                "Any tips for cooking for just one person without wasting food?",
                "Buy vegetables loose so you can take exactly what you need, and lean on ingredients that keep well, "
                "like eggs, frozen peas, canned beans and hard cheese. When you cook a full recipe, portion the "
                "leftovers into containers and freeze some for later. Planning two or three meals that share "
                "ingredients also helps, for example using half a bunch of herbs in a salad and the rest in an omelette.",
            ),
        ],
    ),
    (
        "Hobbies/Crafts/Learning to knit",
        [
            (
                "I'd like to learn to knit. Where should I begin?",
                "Start with a pair of medium-sized needles and a smooth, light-coloured yarn, because it's easier to "
                "see your stitches. Learn three things first: casting on, the knit stitch, and casting off. A simple "
                "scarf or a dishcloth is a perfect first project, since it's just rows of the same stitch. Short video "
                "tutorials are very helpful, because you can pause and watch the hand movements as often as you need.",
            ),
            (
                "My knitting stitches keep getting tighter and tighter. Is that normal?",
                "Completely normal! Most beginners hold the yarn tightly because they're concentrating so hard. Try to "
                "relax your hands and let the yarn run through your fingers with just a little tension. Make sure each "
                "new stitch is formed on the thick part of the needle, not the tip. If things are still snug, slightly "
                "larger needles can help while you get the feel for it. It usually evens out with practice.",
            ),
            (
                "What's a good knitting project after a first scarf?",
                "A hat is a lovely next step. It introduces knitting in the round on circular needles and a few simple "
                "decreases at the top, but it's still small enough to finish in a week or two. A cowl or a pair of "
                "fingerless gloves would work well too. Pick a pattern labelled for beginners, and read it through "
                "once before you start, so no new technique catches you by surprise.",
            ),
        ],
    ),
    (
        "Pets/Cats/Adopting a cat",
        [
            (
                "We're thinking about adopting a cat from a shelter. What should we know first?",
                "That's wonderful! Shelter staff know their cats well, so tell them about your home and lifestyle and "
                "ask which cats might fit. An adult cat's personality is already clear, which can make matching easier "
                "than with a kitten. Before bringing your new friend home, set up a quiet room with a litter tray, food, "
                "water, a scratching post and a hiding spot, so the cat can settle in at its own pace.",
            ),
            (
                "How long does it usually take a new cat to feel at home?",
                "It varies a lot. Some confident cats explore the whole house on the first evening, while shy ones may "
                "hide for a week or more. Let the cat come to you rather than pulling it out of hiding, and keep the "
                "routine calm and predictable. Sitting quietly in the room, talking softly and offering treats all help "
                "to build trust. Most cats feel settled within a few weeks.",
            ),
            (
                "Do indoor cats get bored? How can I keep mine entertained?",
                "They can, so a bit of enrichment goes a long way. Short play sessions with a wand toy a couple of times "
                "a day let a cat stalk and pounce like it would outside. Window perches give them something to watch, "
                "and puzzle feeders make mealtimes more interesting. Rotating toys every few days keeps them feeling "
                "new, and cardboard boxes remain a surprisingly popular choice.",
            ),
        ],
    ),
    (
        "Home/Decluttering a wardrobe",
        [
            (
                "My wardrobe is overflowing. How do I decide what to get rid of?",
                "Take everything out and sort it into three piles: keep, donate and not sure. Be honest about what you "
                "actually wear; if something hasn't been worn in a year, it's probably time to let it go. Items that "
                "don't fit, need repairs you'll never get to, or don't make you feel good can go too. Put the not-sure "
                "pile in a box and look at it again in a couple of months.",
            ),
            (
                "How can I keep my wardrobe organised once it's tidy?",
                "Give every type of item its own spot, and group clothes by category and colour so you can see what you "
                "have. Matching hangers save space and look neater. A handy habit is the one-in, one-out rule: when "
                "something new comes in, something old goes out. Spending five minutes putting things back each week "
                "stops the mess from creeping back.",
            ),
            (
                "Where can I take clothes that are still in good condition?",
                "Charity shops and local shelters are the usual choices, and some accept shoes and bags too. Many towns "
                "have textile banks for items that are too worn to sell. You could also try a clothes swap with "
                "friends, or sell nicer pieces online or at a second-hand shop. It's worth checking what each place "
                "accepts before you go, so nothing ends up being thrown away.",
            ),
        ],
    ),
    (
        "Health & Fitness/Running/Starting to run",
        [
            (
                "I want to start running but I get out of breath really fast. Any advice?",
                "That's very common when you're starting out. The key is to slow down much more than feels natural, to "
                "a pace where you could still hold a conversation. Mixing running and walking works really well: for "
                "example, run for one minute and walk for two, then slowly lengthen the running parts over a few weeks. "
                "Going out three times a week gives your body time to adapt between runs.",
            ),
            (
                "Do I need special shoes for running?",
                "You don't need anything fancy, but proper running shoes do help. They're designed to cushion each step "
                "and support your feet, which can prevent aches in your knees and shins. If possible, visit a running "
                "shop where staff can watch you jog and suggest a few pairs to try. Choose the pair that feels "
                "comfortable straight away, and replace them once the cushioning wears out.",
            ),
            (
                "How do I stay motivated to run when the weather is bad?",
                "Having a plan helps: decide the night before when you'll run and lay out your clothes. A running buddy "
                "or a local group makes it much harder to skip. On really miserable days, a short run still counts, and "
                "you'll usually feel great afterwards. Keeping a simple log of your runs is motivating too, because you "
                "can see how far you've come.",
            ),
        ],
    ),
    (
        "Gardening/Growing herbs on a balcony",
        [
            (
                "I have a small balcony. Can I grow herbs there?",
                "Absolutely, herbs are perfect for balconies! Basil, parsley, chives, mint and thyme all grow happily "
                "in pots. Most of them like at least a few hours of sunshine a day, so notice how much light your "
                "balcony gets. Use containers with drainage holes and good potting compost, and water when the top of "
                "the soil feels dry. Picking the leaves regularly actually encourages the plants to grow bushier.",
            ),
            (
                "Why does my mint keep taking over the other plants?",
                "Mint spreads through underground runners, so it will happily crowd out its neighbours. The easiest fix "
                "is to give it a pot of its own. If you'd like it in a shared planter, you can sink it into the soil "
                "inside its own container so the roots stay put. Trimming it often also keeps it in check, and you get "
                "plenty of leaves for tea or cooking.",
            ),
            (
                "My basil leaves are turning yellow. What could be wrong?",
                "Yellow basil leaves are often a sign of too much water, especially if the pot stays soggy. Let the "
                "soil dry out a little between waterings and make sure the container drains well. Cold nights can also "
                "stress basil, since it loves warmth, so bring it inside when temperatures drop. If the plant has been "
                "in the same pot for a long time, a little liquid feed may help too.",
            ),
        ],
    ),
    (
        "Weather/Storms/Getting ready for a storm",
        [
            (
                "There's a big storm forecast for this weekend. How should I prepare?",
                "It's smart to get ready early. Bring in or tie down anything outside that could blow away, like garden "
                "furniture and plant pots. Charge your phone and a power bank, and keep a torch with fresh batteries "
                "handy. Stock up on drinking water and some food that doesn't need cooking. It's also worth checking "
                "that drains and gutters are clear, so heavy rain can run away.",
            ),
            (
                "What should I do if the power goes out during a storm?",
                "First, check whether it's just your home or the whole street, and report it to your electricity "
                "supplier. Unplug sensitive electronics so they aren't damaged by a surge when the power comes back. "
                "Keep the fridge and freezer closed as much as possible to keep food cold. Use torches rather than "
                "candles if you can, as they're safer, and follow updates on a battery radio or your phone.",
            ),
            (
                "Is it safe to drive when there's a storm?",
                "It's best to avoid driving during a severe storm if you can. Strong winds, falling branches and "
                "flooded roads make journeys risky. If you must go out, drive slowly, leave plenty of space in front of "
                "you, and never drive through water when you can't tell how deep it is. Keep an eye on local weather "
                "warnings and consider delaying the trip until conditions improve.",
            ),
        ],
    ),
    (
        "Books & Reading/Getting back into reading",
        [
            (
                "I haven't read a novel in ages. Can you help me get back into reading?",
                "Of course! The trick is to start with something you'll enjoy, not something you think you should "
                "read. Short, gripping novels like mysteries or light adventure stories are great for rebuilding the "
                "habit. Try reading for just ten or fifteen minutes before bed, and keep the book where you'll see it. "
                "If a book doesn't grab you after a few chapters, it's fine to put it down and pick another.",
            ),
            (
                "How do I find books I'll actually like?",
                "Think about films or series you've loved, since many are based on novels or share a style with them. "
                "Librarians and bookshop staff are great at recommendations if you tell them a few titles you enjoyed. "
                "Online reading communities let you see what people with similar tastes are reading. Joining a book "
                "club is another good way to discover authors you might never have picked up yourself.",
            ),
            (
                "Are audiobooks as good as reading a physical book?",
                "Audiobooks are a great way to enjoy stories, especially during commutes, chores or walks. Studies "
                "suggest people understand and remember stories from listening about as well as from reading. Some "
                "readers prefer print for complex books, where it helps to flip back and reread. In the end, the best "
                "format is the one that gets you enjoying books regularly, so feel free to mix both.",
            ),
        ],
    ),
    (
        "Music/Instruments/Learning the guitar",
        [
            (
                "I just bought my first guitar. What should I learn first?",
                "Congratulations! Start by learning to tune it, since a well-tuned guitar makes practice much more "
                "rewarding. Then learn a few open chords such as G, C, D and E minor, which together cover a huge "
                "number of songs. Practise switching between two chords slowly until the change feels smooth. Short "
                "daily sessions of fifteen to twenty minutes are better than one long session a week.",
            ),
            (
                "My fingertips hurt after guitar practice. Will that stop?",
                "Yes, it will! Sore fingertips are a normal part of learning, because your skin isn't used to pressing "
                "on the strings yet. Within a few weeks of regular practice you'll build up calluses and it will hurt "
                "much less. In the meantime, keep sessions short and take breaks when it gets uncomfortable. Lighter "
                "strings, or a guitar with the strings set lower, can also make pressing down easier.",
            ),
            (
                "Is it better to take guitar lessons or teach myself online?",
                "Both can work well. A teacher gives you personal feedback, corrects bad habits early and keeps you "
                "accountable, which is very valuable at the start. Online lessons are flexible and cheaper, and there's "
                "a huge range of free material. Many people combine the two: a few lessons to get the basics right, "
                "then videos and song tutorials to keep learning at their own pace.",
            ),
        ],
    ),
    (
        "Shopping/Clothes/Buying a winter coat",
        [
            (
                "I need a new winter coat. What should I look for?",
                "Think about how cold your winters get and how you'll use the coat. For everyday warmth, a down or "
                "synthetic insulated coat is light and very cosy. Look for a hood, a high collar and cuffs that keep "
                "out the wind. If it rains a lot where you live, a water-resistant outer layer is a must. Try it on "
                "with a jumper underneath to make sure you can still move your arms comfortably.",
            ),
            (
                "Is down better than synthetic filling in a coat?",
                "Each has its strengths. Down is very warm for its weight and packs down small, but it loses much of "
                "its warmth when it gets wet and needs careful washing. Synthetic filling is a little heavier for the "
                "same warmth, yet it keeps insulating when damp and is usually cheaper and easier to care for. For a "
                "rainy climate synthetic is often the practical choice, while down suits cold, dry days.",
            ),
            (
                "When is the best time to buy winter clothes?",
                "The biggest discounts usually come at the end of the season, from late winter into early spring, when "
                "shops clear space for new stock. If you can plan ahead, that's when you'll find good coats for much "
                "less. Buying early in autumn gives you the widest choice of sizes and styles instead. Keeping an eye "
                "on sales and signing up for store newsletters can also help you catch a good deal.",
            ),
        ],
    ),
    (
        "Work & Career/Starting a new job",
        [
            (
                "I start a new job on Monday and I'm a bit nervous. Any tips for the first day?",
                "Feeling nervous is completely normal, and it shows you care! Plan your route the day before and aim to "
                "arrive a little early. Bring a notebook to jot down names and key information, because there will be "
                "a lot to take in. Don't be afraid to ask questions; nobody expects you to know everything yet. A "
                "friendly smile and genuine interest in your colleagues go a long way.",
            ),
            (
                "How can I remember all my new colleagues' names?",
                "Repeat a name when you're introduced, like \"Nice to meet you, Maria,\" because saying it out loud "
                "helps it stick. Try linking each person to something about them, such as their role or a detail from "
                "your chat. Writing names down later with a short note is really useful in the first weeks. And if you "
                "forget, just ask again; people understand, especially when you're new.",
            ),
            (
                "What's the best way to make a good impression in the first few weeks of a job?",
                "Be reliable above all: show up on time, follow through on what you say you'll do, and ask when "
                "something is unclear. Listen more than you talk at first, so you understand how the team works before "
                "suggesting changes. Offering to help with small tasks shows willingness. It's also a good idea to "
                "check in with your manager about what success looks like in your role.",
            ),
        ],
    ),
    (
        "Family/Parties/Planning a child's birthday party",
        [
            (
                "My daughter is turning seven soon. Do you have ideas for a party at home?",
                "How lovely! A theme makes planning easier, whether it's pirates, space, animals or her favourite "
                "story. Simple games like a treasure hunt, musical statues or a craft table keep children busy and "
                "happy. Keep the party to about two hours, since that's plenty at that age. Finger foods, fruit and a "
                "cake she helped choose will keep everyone well fed without too much work for you.",
            ),
            (
                "How many kids should I invite to a birthday party?",
                "A popular rule of thumb is to invite about as many children as your child's age, plus one, though you "
                "can adjust that to your space and energy. Smaller parties are often calmer and easier to manage at "
                "home. If your child wants to invite the whole class, a park or a hired hall might work better. Having "
                "another adult or two to help makes a big difference either way.",
            ),
            (
                "What can I put in party bags that isn't plastic junk?",
                "There are lots of nice options! Seed packets, colouring pencils, a small book, stickers or bubbles are "
                "all fun and useful. You could also give a homemade biscuit wrapped in paper, or let the children take "
                "home something they made at the craft table. Paper bags or small fabric pouches are a nice touch, and "
                "children rarely mind that the bags are simpler than usual.",
            ),
        ],
    ),
    (
        "Transportation/Cycling/Commuting by bike",
        [
            (
                "I'm thinking of cycling to work instead of taking the bus. Is it worth it?",
                "It can be great! Cycling builds exercise into your day, saves money on fares, and many people find it "
                "a calm way to start the morning. It's worth trying the route on a weekend first to see how long it "
                "takes and to find quieter streets. Think about whether you can shower or change at work, and where "
                "you'll lock your bike securely. Starting with a couple of days a week is a gentle way in.",
            ),
            (
                "What gear do I really need for commuting by bike?",
                "The essentials are a helmet, front and rear lights, and a good lock. A waterproof jacket and "
                "mudguards will keep you much drier on wet days. Panniers on a rack are more comfortable than a "
                "backpack for carrying your things. A small repair kit with a spare inner tube and a pump means a "
                "puncture won't ruin your morning. You can add more gear later once you know what you need.",
            ),
            (
                "How do I feel safer cycling in city traffic?",
                "Ride confidently and predictably: keep a steady line, signal clearly before turning, and make eye "
                "contact with drivers at junctions. Stay out of the door zone of parked cars and avoid riding on the "
                "inside of lorries and buses, where drivers may not see you. Choosing routes with bike lanes or quieter "
                "streets helps a lot. A cycling skills course can also build your confidence quickly.",
            ),
        ],
    ),
    (
        "Entertainment/Games/Choosing a board game",
        [
            (
                "We want a board game for family evenings. What would you suggest?",
                "It depends on the ages and how long you want to play, but there are great options. Cooperative games, "
                "where everyone works together against the game, are wonderful for avoiding arguments. Quick card "
                "games are perfect for short evenings, and tile-laying or route-building games are easy to learn but "
                "still interesting for adults. Look for games with short rules and a playing time under an hour.",
            ),
            (
                "My kids get upset when they lose at games. Any advice?",
                "That's really common! Cooperative games help, since the family wins or loses together. With "
                "competitive games, it helps to model good losing yourself, by saying things like \"That was fun, well "
                "played!\" Focusing on the fun moments rather than the score, and keeping games short so there's always "
                "a rematch, takes the sting out. Over time, learning to lose gracefully becomes a skill they carry with "
                "them.",
            ),
            (
                "Are there good board games for just two players?",
                "Yes, plenty! Many card and tile games are designed especially for two and play in twenty to thirty "
                "minutes. Abstract strategy games, like classic chess or newer ones with simple rules, are great if you "
                "enjoy thinking ahead. Some cooperative puzzle games also work well for pairs. Checking reviews for the "
                "two-player count is worth it, because some games made for bigger groups feel a bit flat with only two.",
            ),
        ],
    ),
    (
        "Personal Finance/Saving for a holiday",
        [
            (
                "I'd love to go on holiday next summer, but I'm bad at saving. How can I start?",
                "Setting a clear goal helps a lot: estimate what the trip will cost and divide it by the number of "
                "months until you go, so you know how much to put aside each month. Open a separate savings account "
                "just for the holiday, and set up an automatic transfer on payday. That way the money is saved before "
                "you have a chance to spend it. Watching the total grow is surprisingly motivating.",
            ),
            (
                "What are easy ways to cut my everyday spending?",
                "Start by looking at your last month of spending to see where the money actually goes. Subscriptions "
                "you rarely use are an easy win to cancel. Cooking at home more often, bringing lunch to work and "
                "making coffee yourself can add up quickly. Try waiting a day before buying anything non-essential; "
                "often the urge passes. Small changes like these can free up a surprising amount each month.",
            ),
            (
                "Is it better to book a trip early or wait for last-minute deals?",
                "For popular destinations and busy periods like school holidays, booking early usually gives you better "
                "prices and more choice, especially for flights. Last-minute deals can be great if you're flexible "
                "about where and when you go, but they're a gamble. A good middle ground is to set price alerts for the "
                "trips you're interested in, and book once the price looks reasonable.",
            ),
        ],
    ),
    (
        "Nature/Birdwatching for beginners",
        [
            (
                "I've started noticing the birds in my garden. How do I get into birdwatching?",
                "What a lovely hobby to pick up! A simple field guide for your region, or a free bird identification "
                "app, will help you put names to what you see. Start by learning the common garden birds, since you'll "
                "see them again and again. Binoculars make a huge difference once you get more interested. Notice size, "
                "colour, behaviour and song, and keep a little notebook of the species you spot.",
            ),
            (
                "How can I attract more birds to my garden?",
                "Food, water and shelter are the keys. A feeder with seeds and another with suet will bring in "
                "different species, and a shallow birdbath is popular all year round. Native shrubs and trees offer "
                "berries, insects and safe places to hide. Leaving a corner of the garden a bit wild helps too. Keep "
                "feeders clean and place them near cover but away from spots where cats can lurk.",
            ),
            (
                "What's the best time of day to see birds?",
                "Early morning is usually best, especially the first couple of hours after sunrise, when birds are most "
                "active, feeding and singing. Late afternoon can be good too. Spring is a wonderful season, with the "
                "dawn chorus and birds in bright breeding colours. Calm, dry days tend to be better than windy or wet "
                "ones, when many birds stay hidden.",
            ),
        ],
    ),
    (
        "Relationships/Friendship/Keeping in touch with old friends",
        [
            (
                "I've lost touch with some old friends and I miss them. How do I reconnect?",
                "It's really common for friendships to drift, and most people are happy to hear from an old friend. A "
                "short, warm message is a great start, like mentioning a memory you share and asking how they've been. "
                "Don't worry about explaining the gap too much. If they reply, suggest a call or meeting up for a "
                "coffee. Even if not everyone responds, reaching out is always worth it.",
            ),
            (
                "How do I keep friendships going when everyone is so busy?",
                "Small, regular contact matters more than big gestures. Sending a quick message when something reminds "
                "you of a friend keeps the connection alive. A standing plan, like a monthly dinner or a weekly walk, "
                "removes the effort of arranging things each time. Voice notes and video calls work well for friends "
                "who live far away. Being the one who suggests plans is often appreciated more than you'd think.",
            ),
            (
                "Is it normal to have fewer friends as you get older?",
                "Yes, it's very normal. As people take on work, family and other commitments, they often have less "
                "time, and many naturally focus on a smaller circle of close friends. That isn't a bad thing: close "
                "friendships are strongly linked to wellbeing. If you'd like to meet new people, clubs, classes and "
                "volunteering are great ways to find others who share your interests.",
            ),
        ],
    ),
    (
        "Cooking/Baking/Baking bread at home",
        [
            (
                "I want to bake my own bread. Is it hard for a beginner?",
                "Not at all! A simple loaf only needs flour, water, yeast and salt. The main things to learn are "
                "kneading until the dough feels smooth and stretchy, and giving it enough time to rise. A no-knead "
                "recipe is a great first step, since you just mix everything and let time do the work. Your first loaves "
                "may not be perfect, but they'll still taste wonderful warm from the oven.",
            ),
            (
                "Why didn't my homemade bread rise?",
                "There are a few usual suspects. The yeast may have been old, or the water too hot, which can kill it; "
                "lukewarm water is ideal. A cold kitchen can slow rising a lot, so the dough might just need more time "
                "somewhere warm. Adding the salt directly onto the yeast can also slow it down. Watching the dough "
                "rather than the clock, and waiting until it has roughly doubled, usually solves the problem.",
            ),
            (
                "How should I store homemade bread so it stays fresh?",
                "Keep it at room temperature in a bread bin, a cloth bag, or wrapped in a clean tea towel, cut side "
                "down on the board. Avoid the fridge, since it actually makes bread go stale faster. Homemade bread "
                "usually stays nice for two or three days. If you won't finish it, slice it and freeze it; you can "
                "toast slices straight from the freezer whenever you like.",
            ),
        ],
    ),
    (
        "Hobbies/Photography/Taking photos with a phone",
        [
            (
                "How can I take better photos with my phone?",
                "A few simple habits make a big difference. Wipe the lens before shooting, because fingerprints make "
                "photos look hazy. Use natural light whenever possible, and turn your subject towards a window rather "
                "than using the flash. Turn on the grid lines in your camera settings and place the subject off-centre "
                "for a more balanced picture. Finally, tap the screen to focus on what matters, and take a few shots to "
                "pick the best one.",
            ),
            (
                "My photos at night always look blurry. What can I do?",
                "At night the camera needs more time to collect light, so any movement causes blur. Hold the phone with "
                "both hands and brace your elbows against your body, or rest it on something steady. Many phones have a "
                "night mode that combines several shots, so keep still until it finishes. Avoid zooming in, since "
                "digital zoom lowers the quality, and try to include some light sources in the scene.",
            ),
            (
                "Should I edit my photos, or is that cheating?",
                "Editing isn't cheating at all; photographers have always adjusted their pictures. Small tweaks to "
                "brightness and contrast, and straightening the horizon, can turn a good photo into a great one. The "
                "built-in editor on most phones is enough to start with. The main thing is to keep edits subtle, so "
                "the photo still looks natural, unless you're going for a creative look on purpose.",
            ),
        ],
    ),
    (
        "Home/Energy/Keeping warm in winter",
        [
            (
                "My heating bills were huge last winter. How can I keep the house warm for less?",
                "Stopping draughts is one of the cheapest wins: seal gaps around windows and doors with draught strips, "
                "and put a draught excluder at the bottom of doors. Close curtains at dusk to keep heat in, and open "
                "them on sunny days to let the warmth in. Turning the thermostat down by just one degree can make a "
                "noticeable difference to your bill. Heating only the rooms you use helps too.",
            ),
            (
                "Is it cheaper to leave the heating on low all day?",
                "Usually not. In most homes, heating only when you need it uses less energy than keeping it on low all "
                "day, because a warm house constantly loses heat to the outside. A timer or programmable thermostat lets "
                "you warm the house just before you wake up or come home. Homes with heat pumps can be an exception, as "
                "they often work best running steadily at a lower temperature.",
            ),
            (
                "What are cosy ways to stay warm without turning up the heating?",
                "Layers are your friend: thermal tops, thick socks and a warm jumper make a big difference. A hot water "
                "bottle or an electric blanket warms you directly, which costs far less than heating a whole room. "
                "Warm drinks and hearty meals help too. Rugs on bare floors stop your feet getting cold, and moving "
                "around now and then keeps your circulation going.",
            ),
        ],
    ),
    (
        "Travel/Sightseeing/Visiting an art museum",
        [
            (
                "I'm visiting a big art museum next week. How do I avoid getting overwhelmed?",
                "Big museums can be a lot, so don't try to see everything. Look at the museum's map or website "
                "beforehand and choose a few galleries or works you really want to see. Go early in the day or on a "
                "weekday, when it's quieter. Take breaks at the café or on a bench, and skip rooms that don't interest "
                "you. Two or three focused hours are usually more enjoyable than a whole exhausting day.",
            ),
            (
                "Are museum audio guides worth paying for?",
                "They often are, especially if you want to understand the stories behind the works. A good audio guide "
                "adds context about the artist, the period and small details you'd easily miss. Many museums now offer "
                "free apps you can use on your own phone, so check that first and bring headphones. If you prefer to "
                "wander freely, a guided tour at a set time can be a nice alternative.",
            ),
            (
                "How can I make a museum visit fun for teenagers?",
                "Give them some choice: let them pick a gallery or exhibition, and plan the visit around it. Many "
                "museums have trails, quizzes or interactive displays, so ask at the entrance. A photo challenge works "
                "well too, like finding the strangest object or the best-dressed portrait. Keep the visit fairly short "
                "and finish with something they enjoy, such as a snack or a look around the gift shop.",
            ),
        ],
    ),
    (
        "Seasons/Autumn/Making the most of autumn",
        [
            (
                "Autumn is coming and I'd like to make the most of it. Any ideas?",
                "Autumn is a wonderful season! You could go for walks in a park or forest to enjoy the changing colours, "
                "or visit a farm to pick apples or pumpkins. It's a great time for cosy baking, like apple crumble or "
                "spiced bread. Many towns have harvest festivals and markets too. On wet days, a stack of good books, a "
                "warm drink and a blanket are hard to beat.",
            ),
            (
                "What can I cook with all the apples from my tree?",
                "Lucky you! Apple crumble and apple pie are classics, and stewed apple with cinnamon is lovely with "
                "porridge or yoghurt. You can make apple sauce to serve with roast dinners, or bake apple muffins and "
                "cake. Sliced apples are tasty in salads with walnuts and cheese, too. Many varieties keep for weeks in "
                "a cool, dark place, and stewed apple freezes very well.",
            ),
            (
                "How can I stay cheerful when the days get shorter?",
                "Getting outside in daylight, especially in the morning, can really lift your mood and steady your body "
                "clock. Keep up regular exercise, even a brisk walk at lunchtime. Plan small things to look forward to, "
                "like a film night or dinner with friends. Bright, warm lighting at home makes the evenings cosier. If "
                "low mood starts to feel heavy or lasts a long time, talking to a doctor is a good idea.",
            ),
        ],
    ),
    (
        "Health & Wellness/Morning routines",
        [
            (
                "I always feel rushed in the morning. How can I build a calmer routine?",
                "Much of a calm morning actually starts the night before. Lay out your clothes, pack your bag and "
                "prepare breakfast things in the evening. Try waking up just fifteen minutes earlier, so there's a "
                "small buffer for surprises. Keep your phone away for the first part of the morning, since scrolling "
                "eats time quickly. A short, repeatable sequence, like water, stretching and breakfast, soon becomes "
                "automatic.",
            ),
            (
                "Is it worth getting up early to exercise?",
                "It can be, if it suits you. Morning exercise gets it done before the day gets busy, and many people "
                "find it boosts their energy and mood. But the best time to exercise is really the time you can stick "
                "with. If you're not a morning person, an evening walk or workout is just as good. Going to bed a bit "
                "earlier makes early workouts much easier to keep up.",
            ),
            (
                "What's a good quick breakfast that keeps me full?",
                "Breakfasts with some protein and fibre keep you full for longer. Greek yoghurt with fruit and a handful "
                "of nuts is quick and filling. Porridge made with milk and topped with seeds or a spoonful of nut butter "
                "is another great choice. Eggs on wholegrain toast take just a few minutes. If you're really short on "
                "time, overnight oats made the evening before are ready to grab and go.",
            ),
        ],
    ),
    (
        "Holidays/Writing greeting cards",
        [
            (
                "I never know what to write in holiday cards. Can you help?",
                "Sure! A short, personal message works better than a long one. Start with a warm greeting, mention "
                "something specific, like a moment you shared this year or something you're looking forward to, and "
                "end with a good wish for the new year. For example: \"It was so lovely seeing you at the summer "
                "barbecue. Wishing you a peaceful holiday and a happy new year!\"",
            ),
            (
                "Is it okay to send holiday greetings by email instead of post?",
                "Absolutely, e-cards and emails are perfectly fine, especially for friends far away or for colleagues. "
                "They're quicker, cheaper and kinder to the environment. Some people, especially older relatives, may "
                "really treasure a paper card they can put on the shelf, so you might post a few to those who'd "
                "appreciate it most. A personal message matters more than the format.",
            ),
        ],
    ),
]

# One conversation far longer than the full profile's max_length of 1024 SmolLM2 tokens, so that the
# notebooks' dropping and counting of overlong conversations has something to drop.
LONG_CONVERSATION: tuple[str, list[tuple[str, str]]] = (
    "Travel/Hiking/Planning a multi-day hike",
    [
        (
            "Hi! I'm planning my first multi-day hike with two friends, staying in mountain huts along the way. "
            "Could you help me work out what to take?",
            "Hi! That sounds like a fantastic trip, and staying in huts makes things much easier, because you don't "
            "need to carry a tent, a stove or a big sleeping bag. The goal is a pack that is light enough to enjoy but "
            "still covers you if the weather changes.\n\n"
            "Start with clothing in layers. You'll want a quick-drying base layer (avoid cotton, which stays wet and "
            "cold), a warm mid layer such as a fleece or a light insulated jacket, and a proper waterproof jacket and "
            "overtrousers. Add a warm hat, thin gloves and a sun hat, because mountain weather can swing from hot sun "
            "to cold wind in an hour. Two pairs of hiking socks are plenty if you wash one pair in the evening.\n\n"
            "For your feet, well broken-in hiking boots or sturdy trail shoes are the single most important item. Never "
            "start a long trip in brand-new boots. Pack some blister plasters too, and deal with any sore spot the "
            "moment you feel it, not at the end of the day.\n\n"
            "In the huts you'll usually need a sleeping-bag liner, which many huts require for hygiene, plus light "
            "shoes or sandals to wear indoors, earplugs for shared dormitories, and a small towel. Most huts serve "
            "dinner and breakfast, but carry snacks and lunch for the trail, such as nuts, dried fruit, cheese and "
            "bread.\n\n"
            "Finally, the safety basics: a paper map and a compass even if you use a phone app, a head torch, a small "
            "first-aid kit, sun cream and sunglasses, a whistle, and enough water bottles for the longest dry stretch. "
            "A lightweight emergency blanket weighs almost nothing and can make a real difference if someone gets hurt. "
            "Share the load with your friends, so that only one of you carries the first-aid kit and the repair bits.",
        ),
        (
            "That's really helpful. How should we prepare physically in the months before the trip?",
            "Great question, because a bit of preparation makes the trip far more enjoyable. The aim is to get your "
            "legs, lungs and feet used to long days on the move while carrying a pack.\n\n"
            "Begin with regular walking. Three or four times a week, go for a brisk walk of an hour or so, and include "
            "hills or stairs whenever you can. Uphill walking builds the leg strength you'll need on long climbs, while "
            "downhill stretches prepare your knees and thighs for the descents, which many people find harder than the "
            "climbs.\n\n"
            "Once a week, do a longer outing that looks like a day on your trip. Start with a few hours and build up to "
            "a full day, wearing the boots and carrying the pack you plan to use, loaded with roughly the weight you'll "
            "take. This is also the best way to discover rubbing straps or pressure points while you still have time "
            "to fix them. If you can, do two long days back to back a few weeks before you leave, so you know how your "
            "body feels on the second morning.\n\n"
            "Simple strength exercises help too. Squats, lunges, step-ups and calf raises strengthen the muscles "
            "around your knees and ankles, and a few core exercises make carrying a pack more comfortable. Ten or "
            "fifteen minutes, two or three times a week, is enough to notice a difference.\n\n"
            "Finally, ease off in the last week before the trip. Keep moving with short, easy walks, but let your body "
            "rest so you start the hike feeling fresh rather than tired. Training together with your friends is a "
            "great idea as well: you'll learn each other's pace, and it's much more fun.",
        ),
        (
            "And what should we do if the weather turns bad while we're up in the mountains?",
            "It's wise to think about this before you go, because mountain weather can change quickly, and good "
            "decisions are easier to make when you have planned them in advance.\n\n"
            "Check the mountain forecast every evening and every morning; hut wardens usually have the latest one and "
            "are happy to share local knowledge. Start early each day, since in summer storms often build in the "
            "afternoon. Agree as a group on a turnaround time and on the conditions that would make you change plans, "
            "such as thunderstorms, strong winds on an exposed ridge, or thick fog on a path that is hard to follow.\n\n"
            "If a thunderstorm approaches, get off summits, ridges and open slopes as quickly and safely as you can. "
            "Stay away from lone trees, metal cables and water. If you're caught in the open, crouch low on your "
            "rucksack, with your feet together, and keep a few metres apart from each other.\n\n"
            "In rain and wind, put your waterproofs on early, before you're soaked, and add a warm layer when you stop, "
            "since you cool down very fast once you stop moving. Keep eating and drinking, because a tired, hungry "
            "hiker gets cold and makes poorer decisions. In fog, slow down, check the map often, and don't hesitate to "
            "turn back to the last point you were sure of.\n\n"
            "Most importantly, remember that turning around or waiting a day at a hut is always a good option. The "
            "mountains will still be there next time. Tell someone at home your route and when you expect to arrive, "
            "save the local emergency number in your phones, and keep them charged. With that kind of preparation, "
            "you'll be ready to enjoy the good days and handle the bad ones calmly.",
        ),
    ],
)


def _conversation(rng: random.Random, full_topic: str, exchanges: list[tuple[str, str]], long: bool = False) -> dict[str, Any]:
    """One smoltalk-shaped record: sometimes a greeting first, the exchanges, sometimes a thank-you last.

    There are always two to four user turns, and the assistant always has the last word.
    """
    turns = len(exchanges)
    greet = not long and (turns == 1 or rng.random() < 0.6) and turns < 4
    thank = (long or rng.random() < 0.5) and turns + greet < 4
    if turns + greet + thank < 2:
        thank = True
    pairs: list[tuple[str, str]] = []
    if greet:
        pairs.append((rng.choice(GREETINGS_USER), rng.choice(GREETINGS_ASSISTANT)))
    pairs += exchanges
    if thank:
        pairs.append((rng.choice(THANKS_USER), rng.choice(THANKS_ASSISTANT)))
    messages = [m for user, assistant in pairs for m in ({"content": user, "role": "user"}, {"content": assistant, "role": "assistant"})]
    return {"full_topic": full_topic, "messages": messages}


def _topic_conversations(rng: random.Random, full_topic: str, exchanges: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Three exchanges become two conversations, split after the first or the second; fewer become one."""
    if len(exchanges) < 3:
        return [_conversation(rng, full_topic, exchanges)]
    split = rng.choice([1, 2])
    return [_conversation(rng, full_topic, exchanges[:split]), _conversation(rng, full_topic, exchanges[split:])]


def make_everyday(rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Train and test conversations; the test split's topics never appear in the train split."""
    splittable = [t for t in TOPICS if len(t[1]) >= 3]
    test_topics = {t[0] for t in rng.sample(splittable, N_TEST_TOPICS)}
    train: list[dict[str, Any]] = []
    test: list[dict[str, Any]] = []
    for full_topic, exchanges in TOPICS:
        (test if full_topic in test_topics else train).extend(_topic_conversations(rng, full_topic, exchanges))
    train.append(_conversation(rng, *LONG_CONVERSATION, long=True))
    rng.shuffle(train)
    rng.shuffle(test)
    return {"train": train, "test": test}


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def generate() -> dict[Path, list[dict[str, Any]]]:
    """Every rehearsal file's records, keyed by path. Deterministic for a given ``SEED``."""
    rng = random.Random(SEED)
    alpaca = make_alpaca(rng)
    everyday = make_everyday(rng)
    return {
        ALPACA_DIR / "train.jsonl": alpaca,
        EVERYDAY_DIR / "train.jsonl": everyday["train"],
        EVERYDAY_DIR / "test.jsonl": everyday["test"],
    }


def to_jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def write() -> list[Path]:
    paths = []
    for path, records in generate().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(to_jsonl(records).encode("utf-8"))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write():
        print(f"wrote {p}")
