"""Invented names, addresses and numbers for synthetic people and clinics (the demo, `fascia seed`).

Phone numbers use the 555-01xx range kept for fiction, emails the reserved example.* domains, NPIs are
random stems completed with a valid check digit.
"""

import random

from fascia.core.npi import with_check_digit

# fmt: off
GIVEN_F = ["Abigail", "Aisha", "Alice", "Amara", "Amelia", "Ana", "Anna", "Ava", "Beatriz", "Camila", "Caroline",
    "Charlotte", "Chloe", "Claire", "Daniela", "Deborah", "Diana", "Eleanor", "Elena", "Elizabeth", "Ella", "Emily",
    "Emma", "Esther", "Fatima", "Grace", "Hana", "Hannah", "Harper", "Isabel", "Ivy", "Jasmine", "Jennifer", "Julia",
    "Katherine", "Keiko", "Laura", "Leah", "Linda", "Lucia", "Madison", "Margaret", "Maria", "Maya", "Mei", "Mia",
    "Michelle", "Naomi", "Natalia", "Nora", "Olivia", "Patricia", "Priya", "Rachel", "Rebecca", "Rosa", "Ruth",
    "Samantha", "Sara", "Sofia", "Susan", "Tamar", "Valentina", "Victoria", "Yuki", "Zoe"]
GIVEN_M = ["Aaron", "Adam", "Ahmed", "Alexander", "Andre", "Andrew", "Anthony", "Benjamin", "Brian", "Caleb",
    "Carlos", "Charles", "Christopher", "Daniel", "David", "Diego", "Dmitri", "Elias", "Ethan", "Felix", "Gabriel",
    "George", "Henry", "Hiro", "Isaac", "Jacob", "James", "Javier", "John", "Jonah", "Joseph", "Joshua", "Kenji",
    "Kevin", "Liam", "Lucas", "Luis", "Marco", "Mark", "Mateo", "Matthew", "Michael", "Mohammed", "Nathan", "Noah",
    "Omar", "Owen", "Patrick", "Paul", "Peter", "Rafael", "Ravi", "Richard", "Robert", "Samuel", "Sean", "Thomas",
    "Timothy", "Tomas", "Victor", "William", "Yusuf"]
FAMILY = ["Abernathy", "Adams", "Adeyemi", "Aguilar", "Alexander", "Allen", "Alvarado", "Alvarez", "Anderson",
    "Andrews", "Armstrong", "Arnold", "Ashdown", "Bailey", "Baker", "Barnes", "Bell", "Bellweather", "Bennett",
    "Berry", "Bianchi", "Black", "Boyd", "Bradley", "Brightwater", "Brooks", "Brown", "Bryant", "Burns", "Butler",
    "Campbell", "Carpenter", "Carroll", "Carter", "Castellan", "Castillo", "Castro", "Chavez", "Chen", "Clark",
    "Coldwell", "Cole", "Coleman", "Collins", "Contreras", "Cook", "Cooper", "Cox", "Crawford", "Cruz", "Cunningham",
    "Daniels", "Davis", "Delacroix", "Delgado", "Diaz", "Dixon", "Duncan", "Dunmore", "Dunn", "Edwards", "Elliott",
    "Ellis", "Emberly", "Evans", "Everhart", "Fairbanks", "Ferguson", "Fernandez", "Fisher", "Flores", "Ford",
    "Foster", "Fox", "Freeman", "Galloway", "Garcia", "Gardner", "Garza", "Gibson", "Gomez", "Gonzalez", "Gordon",
    "Graham", "Grant", "Gray", "Green", "Griffin", "Gutierrez", "Guzman", "Haddad", "Hall", "Hamilton", "Hansen",
    "Harris", "Harrison", "Hart", "Hartwell", "Hawkins", "Hayes", "Henderson", "Henry", "Hernandez", "Herrera",
    "Hicks", "Hill", "Hoffman", "Holmes", "Howard", "Hudson", "Hughes", "Hunt", "Hunter", "Ingram", "Ivanova",
    "Jackson", "James", "Jenkins", "Jessup", "Jimenez", "Johnson", "Johnston", "Jones", "Jordan", "Kaur", "Kelley",
    "Kelly", "Kennedy", "Kettering", "Kim", "King", "Knight", "Kowalski", "Lane", "Lawrence", "Lee", "Lewis",
    "Lindqvist", "Long", "Lopez", "Marlowe", "Marshall", "Martin", "Martinez", "Mason", "Matthews", "McDonald",
    "Medina", "Mendez", "Mendoza", "Mensah", "Meyer", "Miller", "Mills", "Mitchell", "Moore", "Morales", "Moreno",
    "Morgan", "Morris", "Munoz", "Murphy", "Murray", "Myers", "Nakamura", "Nelson", "Nguyen", "Nichols", "Northcott",
    "Novak", "Okafor", "Okonkwo", "Olson", "Ortiz", "Owens", "Palmer", "Parker", "Patel", "Patterson", "Payne",
    "Pemberton", "Pena", "Perez", "Perkins", "Perry", "Peters", "Peterson", "Petrov", "Pham", "Phillips", "Pierce",
    "Porter", "Powell", "Price", "Quayle", "Ramirez", "Ramos", "Ray", "Reed", "Reyes", "Reynolds", "Rice", "Richards",
    "Richardson", "Riley", "Rivera", "Roberts", "Robertson", "Robinson", "Rodriguez", "Rogers", "Romero", "Rosales",
    "Rose", "Ross", "Rossi", "Ruiz", "Russell", "Ryan", "Salazar", "Sanchez", "Sanders", "Sandoval", "Santos",
    "Schmidt", "Scott", "Shaw", "Silva", "Simmons", "Simpson", "Singh", "Smith", "Snyder", "Soto", "Spencer",
    "Stephens", "Stevens", "Stewart", "Stone", "Sullivan", "Taylor", "Thackeray", "Thomas", "Thompson", "Torres",
    "Tran", "Tucker", "Turner", "Underhill", "Vargas", "Vasquez", "Wagner", "Walker", "Wallace", "Ward", "Warren",
    "Washington", "Watson", "Weaver", "Webb", "Wells", "West", "White", "Whitlock", "Williams", "Willis", "Wilson",
    "Wood", "Woods", "Wright", "Yamamoto", "Yarrow", "Young", "Zeller"]
NICKNAMES = {"Alexander": "Alex", "Benjamin": "Ben", "Christopher": "Chris", "Daniel": "Dan", "Elizabeth": "Liz",
    "Jennifer": "Jen", "Joseph": "Joe", "Katherine": "Kate", "Margaret": "Maggie", "Matthew": "Matt",
    "Michael": "Mike", "Patricia": "Pat", "Richard": "Rick", "Robert": "Bob", "Samantha": "Sam", "Thomas": "Tom",
    "Victoria": "Tori", "William": "Bill"}
AREA_CODES = ["206", "253", "360", "425", "509", "564", "503", "541", "971", "208", "406", "415", "510", "650",
    "707", "916", "907", "808"]  # each with 555-0100..0199, all fictional
STREETS = ["Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Hemlock", "Juniper", "Madrona", "Maple", "Oak",
    "Pine", "Spruce", "Willow", "Harbor", "Lake", "Summit", "Union"]
CITIES = [("Seattle", "981"), ("Tacoma", "984"), ("Bellevue", "980"), ("Everett", "982"), ("Renton", "980"),
    ("Olympia", "985"), ("Spokane", "992")]
# fmt: on
RELATIONSHIPS = ["Spouse", "Parent", "Sibling", "Partner", "Friend", "Child"]


def npi(rng: random.Random) -> str:
    return with_check_digit("1" + "".join(str(rng.randint(0, 9)) for _ in range(8)))


def phone(rng: random.Random) -> str:
    return f"{rng.choice(AREA_CODES)}-555-01{rng.randint(0, 99):02d}"
