"""Short, distinct news articles for tests that need a corpus of their own (no ../shared)."""

ARTICLES = {
    "harvest": (
        "Farmers in Kenya said on Tuesday that the maize harvest would fall by a fifth after the long rains "
        "failed for a second year. The agriculture ministry in Nairobi promised seed and fertiliser to 40,000 "
        "households, and the World Food Programme said it was ready to feed 1.2 million people until March. "
        "Prices of maize flour have doubled since January, traders in Kisumu said."),
    "rail": (
        "Germany’s rail operator Deutsche Bahn said its trains were late more often than ever last year: only "
        "64% of long-distance trains arrived on time. The company blamed ageing track and 1,000 building sites, "
        "and said it would spend €16 billion on repairs by 2027. Passenger groups in Berlin called the plan "
        "too little, too late."),
    "storm": (
        "Hurricane Fiona knocked out power to all of Puerto Rico on Sunday, two days before the fifth "
        "anniversary of Hurricane Maria. Governor Pedro Pierluisi said 1.3 million homes had no electricity "
        "and that rain of up to 25 inches was expected in the mountains. The US Federal Emergency Management "
        "Agency sent 300 staff to San Juan."),
    "chips": (
        "Taiwan’s TSMC said it would build a second factory in Arizona and raise its investment there to "
        "$40 billion, one of the largest foreign investments in American history. President Joe Biden visited "
        "the site in Phoenix on Tuesday. The plant will employ 4,500 people when it opens in 2026, the company "
        "said."),
    "museum": (
        "The British Museum said about 2,000 objects had been stolen from its stores over many years and that "
        "a member of staff had been dismissed. Director Hartwig Fischer resigned on Friday, saying he had not "
        "acted on warnings in 2021. Scotland Yard is investigating, and 60 items have been returned so far."),
    "wheat": (
        "Egypt, the world’s largest wheat importer, bought 240,000 tonnes of Russian wheat in a direct deal, "
        "the supply ministry in Cairo said on Wednesday. Bread is subsidised for about 70 million Egyptians, "
        "and the government has sought cheaper grain since prices jumped by 40% last year."),
}
GERMAN = ("Die Bundesregierung in Berlin hat am Mittwoch beschlossen, die Preise für Strom und Gas für private "
          "Haushalte zu deckeln. Der Wirtschaftsminister sagte, die Entlastung koste den Staat rund 200 Milliarden "
          "Euro und gelte bis zum Frühjahr 2024. Die Opposition kritisierte den Plan als zu spät.")

def near_copy(text: str) -> str:
    """The same story with small edits, as a second wire would run it."""
    return text.replace("on Tuesday", "on Tuesday morning").replace("a fifth", "about a fifth").replace(
        "traders in Kisumu said", "according to traders in Kisumu")
