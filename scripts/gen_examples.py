#!/usr/bin/env python3
"""Generate examples/posts.jsonl, ricochet's bundled sample stream.

One Saturday (2026-11-21) of raw payloads as ricochet-ingest would read them:
X API v2 tweet payloads, Mastodon statuses and the generic post form, about a
fictional airline support day for @SWA plus a few other (fictional) brands.
Every person, handle, id, booking code and flight in it is made up.

The output is committed, so Python is not needed to build or test ricochet;
rerun this only to change the stream, then update the counts pinned in
tests/unit/test_normalise.c and examples/README.md (this script prints them).

    python3 scripts/gen_examples.py > examples/posts.jsonl
"""
import json
import random
import re
import sys

rng = random.Random(20261121)

# --- authors ---------------------------------------------------------------
# key: (platform, id, handle, display name, followers, verified)
AUTHORS = {}


def author(key, pf, aid, handle, name, followers, verified=False):
    AUTHORS[key] = dict(pf=pf, id=aid, handle=handle, name=name, followers=followers, verified=verified)


# The two people of DESIGN.md.
author("ron", "x", "1450022331", "rmarsh_travels", "Ron Marsh", 251340, True)
author("cindyfan", "x", "998877112", "denver_dee", "Dee Alvarez", 1830)
# Follow-up threads (same person, same problem, several posts).
author("jen", "x", "3320114598", "jen_okafor", "Jen Okafor", 4210)
author("dave", "x", "88120455", "dave_in_den", "Dave Kowalski", 612)
author("sam", "x", "2201939944", "sam_and_twins", "Sam Whitaker", 9870)
author("teo", "x", "5514200917", "teo_r", "Teo Ramirez", 233)
author("carlos", "x", "71100342", "carlos_dlr", "Carlos de la Rosa", 15402)
author("mike", "mastodon", "109288374610293847", "miket@toot.example", "Mike Tanaka", 310)
author("lwong", "mastodon", "110004827364519283", "lwong@rockies.example", "Lin Wong", 1204)
author("annak", "mastodon", "109876543210987654", "annak", "Anna K.", 88)
author("priya", "bluesky", "did:plc:7qv2xk4mzt3rplh5e6nyw2sd", "priya.bsky.social", "Priya Natarajan", 2750)
author("rose", "webform", "cust-55120", "rose.h", "Rose Henderson", 0)
author("ohare", "x", "6620011873", "stuck_at_ohare", "Will P", 402)
author("bex", "reddit", "t2_8f3kq1", "bex_flies", None, 0)
# Everyone else.
author("swa", "x", "7212562", "SWA", "SWA Support", 2100000, True)
author("marcusfan", "x", "4410293385", "katie_b_travels", "Katie B", 712)
author("gloria", "mastodon", "109111222333444555", "gloria@toot.example", "Gloria", 1450)
author("nate", "x", "2309987123", "nate_codes", "Nate", 120)
author("ops", "generic", "ops-bridge", "ops-bridge", "Email bridge", 0)
author("hana", "mastodon", "110222333444555666", "hana", "Hana M", 56)
author("pete", "x", "1189234001", "pete_the_pilot_fan", "Pete", 3300)
author("yuki", "bluesky", "did:plc:c4tmbq8b2wdxq9ehy2j3ltux", "yuki.bsky.social", "Yuki", 880)
author("tom", "x", "9981237745", "tomfromtulsa", "Tom", 77)
author("coffeefan", "mastodon", "109555666777888999", "beanlover@toot.example", "Bean Lover", 640)
author("hotelguy", "reddit", "t2_2kd93x", "roadwarrior_jim", None, 0)
author("lena", "x", "3001928374", "lena_writes", "Lena", 25100, True)
author("frank", "webform", "cust-77001", "frank.g", "Frank Gallo", 0)
author("mia", "x", "4555012937", "mia_on_the_go", "Mia", 540)
author("oscar", "mastodon", "110777888999000111", "oscar@rockies.example", "Oscar", 211)
author("zoe", "generic", "zoe-17", "zoe17", None, 0)
author("raj", "x", "5120098765", "raj_k", "Raj K", 1990)

# Spike cluster: ~20 distinct authors, one post each, "flights cancelled at DEN".
SPIKE = []
for i, (pf, handle, name, fol) in enumerate([
        ("x", "snowed_in_sara", "Sara", 310), ("x", "den_dad_of_3", "Rob", 95), ("mastodon", "kels@toot.example", "Kels", 140),
        ("x", "bizflyer_ana", "Ana", 5400), ("bluesky", "mtnmike.bsky.social", "Mike R", 260), ("x", "jt_hoops", "JT", 1220),
        ("mastodon", "norah", "Norah", 33), ("x", "ski_bum_chris", "Chris", 870), ("reddit", "throwaway_den", None, 0),
        ("x", "grad_student_li", "Li", 150), ("mastodon", "benji@rockies.example", "Benji", 402), ("x", "amyflies", "Amy", 2900),
        ("generic", "kiosk-den-b", "DEN kiosk feedback", 0), ("x", "marco_p", "Marco", 61), ("bluesky", "hollyk.bsky.social", "Holly", 1500),
        ("x", "sunnyinphx", "Sunny", 415), ("mastodon", "devon@toot.example", "Devon", 97), ("x", "coloradocam", "Cam", 12000),
        ("x", "nurse_jo", "Jo", 380), ("webform", "cust-91822", "Pat", 0)]):
    key = "spike%d" % i
    if pf == "x":
        aid = str(3000000000 + 7919 * (i + 1))
    elif pf == "mastodon":
        aid = str(111000000000000000 + 104729 * (i + 1))
    elif pf == "bluesky":
        aid = "did:plc:spike%02dabcdefghijklmnopq" % i
    elif pf == "reddit":
        aid = "t2_sp%03d" % i
    else:
        aid = "cust-9%04d" % i
    author(key, pf, aid, handle, name, fol)
    SPIKE.append(key)

# --- ids -------------------------------------------------------------------
_x_id = [1992000000000000000]
_m_id = [115580000000000000]
_g_id = {"bluesky": 0, "reddit": 0, "webform": 1040, "generic": 0}


def next_id(pf):
    if pf == "x":
        _x_id[0] += rng.randint(10**12, 9 * 10**12)
        return str(_x_id[0])
    if pf == "mastodon":
        _m_id[0] += rng.randint(10**9, 9 * 10**9)
        return str(_m_id[0])
    _g_id[pf] += 1
    n = _g_id[pf]
    if pf == "bluesky":
        return "3m%s%03d" % ("".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(8)), n)
    if pf == "reddit":
        return "t3_%s" % "".join(rng.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(7))
    if pf == "webform":
        return n  # integer ids: the generic form accepts them
    return "gen-%05d" % n


# --- time ------------------------------------------------------------------
_clock = [6 * 3600 + 2 * 60 + 11]


def tick(lo, hi):
    _clock[0] += rng.randint(lo, hi)
    t = _clock[0]
    return "2026-11-21T%02d:%02d:%02d" % (t // 3600, t // 60 % 60, t % 60)


# --- payload builders -------------------------------------------------------
MENTION_RE = re.compile(r"(?<![\w@])@(\w+)")
TAG_RE = re.compile(r"(?<![\w&])#(\w*[A-Za-z_]\w*)")
MASTO_ACCT = {"SWA": "SWA@airline.social", "SkyLarkAir": "SkyLarkAir@airline.social",
              "PeakHotels": "PeakHotels@toot.example", "CoffeeCoHQ": "CoffeeCoHQ@toot.example"}


def x_payload(a, pid, text, ts, reply_to=None, conv=None, metrics=None):
    data = {"id": pid, "edit_history_tweet_ids": [pid], "text": text.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"), "author_id": a["id"], "created_at": ts + ".000Z", "lang": "en",
            "conversation_id": conv or pid}
    ents = {}
    ms = [{"start": m.start(), "end": m.end(), "username": m.group(1)} for m in MENTION_RE.finditer(text)]
    hs = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in TAG_RE.finditer(text)]
    if ms:
        ents["mentions"] = ms
    if hs:
        ents["hashtags"] = hs
    if ents:
        data["entities"] = ents
    if reply_to:
        data["in_reply_to_user_id"] = reply_to[1]
        data["referenced_tweets"] = [{"type": "replied_to", "id": reply_to[0]}]
    m = metrics or {}
    data["public_metrics"] = {"retweet_count": m.get("reposts", 0), "reply_count": m.get("replies", 0),
                              "like_count": m.get("likes", 0), "quote_count": m.get("quotes", 0),
                              "bookmark_count": 0, "impression_count": m.get("views", 0)}
    user = {"id": a["id"], "name": a["name"], "username": a["handle"], "verified": a["verified"],
            "public_metrics": {"followers_count": a["followers"], "following_count": rng.randint(50, 900),
                               "tweet_count": rng.randint(200, 40000), "listed_count": rng.randint(0, 300)}}
    return {"data": data, "includes": {"users": [user]}}


def html_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") \
        .replace("'", "&#39;")


def masto_html(text, host):
    paras = []
    for para in text.split("\n\n"):
        h = html_escape(para)
        h = MENTION_RE.sub(lambda m: '<span class="h-card" translate="no"><a href="https://%s/@%s" class="u-url '
                           'mention">@<span>%s</span></a></span>' % (MASTO_ACCT.get(m.group(1), m.group(1) + "@" + host)
                                                                       .split("@")[1], m.group(1), m.group(1)), h)
        h = TAG_RE.sub(lambda m: '<a href="https://%s/tags/%s" class="mention hashtag" rel="tag">#<span>%s</span></a>'
                       % (host, m.group(1).lower(), m.group(1)), h)
        paras.append("<p>" + h.replace("\n", "<br />") + "</p>")
    return "".join(paras)


def masto_payload(a, pid, text, ts, reply_to=None, metrics=None, spoiler=""):
    acct = a["handle"]
    user = acct.split("@")[0]
    host = acct.split("@")[1] if "@" in acct else "toot.example"
    m = metrics or {}
    return {
        "id": pid, "created_at": ts + ".%03dZ" % rng.randint(0, 999),
        "in_reply_to_id": reply_to[0] if reply_to else None,
        "in_reply_to_account_id": reply_to[1] if reply_to else None,
        "sensitive": bool(spoiler), "spoiler_text": spoiler, "visibility": "public", "language": "en",
        "uri": "https://%s/users/%s/statuses/%s" % (host, user, pid),
        "url": "https://%s/@%s/%s" % (host, user, pid),
        "replies_count": m.get("replies", 0), "reblogs_count": m.get("reposts", 0),
        "favourites_count": m.get("likes", 0), "edited_at": None,
        "content": masto_html(text, host), "reblog": None,
        "account": {"id": a["id"], "username": user, "acct": acct, "display_name": a["name"] or "",
                    "locked": False, "bot": False, "created_at": "2022-11-05T00:00:00.000Z",
                    "url": "https://%s/@%s" % (host, user), "followers_count": a["followers"],
                    "following_count": rng.randint(20, 500), "statuses_count": rng.randint(10, 5000)},
        "media_attachments": [],
        "mentions": [{"id": str(100000 + len(m_.group(1))), "username": m_.group(1),
                      "acct": MASTO_ACCT.get(m_.group(1), m_.group(1)),
                      "url": "https://%s/@%s" % (MASTO_ACCT.get(m_.group(1), "x@" + host).split("@")[1], m_.group(1))}
                     for m_ in MENTION_RE.finditer(text)],
        "tags": [{"name": t.group(1).lower(), "url": "https://%s/tags/%s" % (host, t.group(1).lower())}
                 for t in TAG_RE.finditer(text)],
        "emojis": [], "card": None, "poll": None,
    }


def generic_payload(a, pid, text, ts, reply_to=None, metrics=None):
    p = {}
    if a["pf"] != "generic":
        p["platform"] = a["pf"]
    p["id"] = pid
    p["text"] = text
    au = {"id": a["id"], "handle": a["handle"]}
    if a["name"]:
        au["name"] = a["name"]
    if a["followers"]:
        au["followers"] = a["followers"]
    p["author"] = au
    p["created_at"] = ts + "Z"
    p["lang"] = "en"
    if a["pf"] == "bluesky":
        p["url"] = "https://bsky.app/profile/%s/post/%s" % (a["handle"], pid)
    elif a["pf"] == "reddit":
        p["url"] = "https://www.reddit.com/r/travel/comments/%s/" % str(pid)[3:]
    if reply_to:
        p["in_reply_to"] = reply_to[0]
    if metrics:
        p["metrics"] = {k: v for k, v in metrics.items() if k in ("likes", "reposts", "replies", "quotes")}
    return p


LINES = []     # (kind, json text)
POSTED = {}    # label -> (id, author id)
STATS = {"x_v2": 0, "mastodon": 0, "generic": 0, "invalid": 0, "repeat": 0}


def emit(kind, obj_or_text):
    LINES.append((kind, obj_or_text if isinstance(obj_or_text, str) else
                  json.dumps(obj_or_text, ensure_ascii=False, separators=(",", ":"))))


def post(key, text, label=None, reply=None, gap=(45, 330), metrics=None, spoiler=""):
    a = AUTHORS[key]
    pf = a["pf"]
    pid = next_id(pf)
    ts = tick(*gap)
    reply_to = POSTED[reply] if reply else None
    if pf == "x":
        conv = POSTED.get(reply + ":conv", (None,))[0] if reply else None
        payload = x_payload(a, pid, text, ts, reply_to, conv, metrics)
        fmt = "x_v2"
    elif pf == "mastodon":
        payload = masto_payload(a, pid, text, ts, reply_to, metrics, spoiler)
        fmt = "mastodon"
    else:
        payload = generic_payload(a, pid, text, ts, reply_to, metrics)
        fmt = "generic"
    STATS[fmt] += 1
    emit(fmt, payload)
    if label:
        POSTED[label] = (str(pid), a["id"])
        POSTED[label + ":conv"] = POSTED.get(reply + ":conv", (str(pid),)) if reply else (str(pid),)
        POSTED[label + ":payload"] = (fmt, payload)
    return payload


def repeat(label, bump=None):
    """Re-deliver an earlier payload (same platform and id), verbatim or, as
    a re-poll would, with newer metrics."""
    fmt, payload = POSTED[label + ":payload"]
    payload = json.loads(json.dumps(payload))
    if bump:
        if fmt == "x_v2":
            pm = payload["data"]["public_metrics"]
            pm["like_count"] += bump
            pm["retweet_count"] += bump // 3
            pm["reply_count"] += bump // 5
        elif fmt == "mastodon":
            payload["favourites_count"] += bump
        else:
            payload.setdefault("metrics", {})["likes"] = payload.get("metrics", {}).get("likes", 0) + bump
    STATS[fmt] += 1
    STATS["repeat"] += 1
    emit(fmt, payload)


def bad(text):
    STATS["invalid"] += 1
    emit("invalid", text)



# --- background chatter ------------------------------------------------------
# One-off authors posting the ordinary mix of a support day between the
# threads above. Weighted towards Mastodon and the generic form so the whole
# stream is roughly 45% X, 30% Mastodon, 25% generic.
FIRST = ["Alex", "Bea", "Cole", "Dana", "Eli", "Fay", "Gus", "Ivy", "Jack", "Kim", "Leo", "Maya", "Nico", "Opal",
         "Quinn", "Rae", "Sol", "Tess", "Uma", "Vik", "Wren", "Xavi", "Yara", "Zed"]
ONEOFF = []
for i in range(130):
    pf = ["x", "mastodon", "mastodon", "bluesky", "mastodon", "reddit", "x", "mastodon", "x", "generic"][i % 10]
    nm = FIRST[i % len(FIRST)]
    h = "%s%d" % (nm.lower(), 10 + i * 7)  # unique: each one-off author posts once
    if pf == "x":
        aid, handle = str(4100000000 + 104723 * i), h
    elif pf == "mastodon":
        aid = str(112000000000000000 + 7727 * i)
        handle = h if i % 3 == 0 else h + "@" + ["toot.example", "rockies.example"][i % 2]
    elif pf == "bluesky":
        aid, handle = "did:plc:oneoff%02dzyxwvutsrqponml" % i, h + ".bsky.social"
    elif pf == "reddit":
        aid, handle = "t2_oo%04d" % i, h
    else:
        aid, handle = "sms-+1303555%04d" % (1000 + i), h
    author("oneoff%d" % i, pf, aid, handle, nm if pf != "reddit" else None, rng.choice([12, 80, 230, 640, 1500, 4800]))
    ONEOFF.append("oneoff%d" % i)

AIRPORTS = ["DEN", "PHX", "LAS", "MDW", "BWI", "DAL", "HOU", "OAK", "SAN", "AUS", "MCO", "SLC"]
TEMPLATES = [
    # complaints
    "Flight {fl} from {ap} delayed again. Third delay notice in an hour. @SWA",
    "@SWA my bag didn't make it to {ap} on WN {fl}. File reference {ap}WN{n5}.",
    "Sat on the tarmac at {ap} for 90 minutes on flight {fl}, no water, no updates. @SWA",
    "@SWA the agent at gate {gate} told me to 'figure it out myself'. Really?",
    "Refund for booking {code} was approved two weeks ago and still nothing on my card. @SWA",
    "@SWA cancelled my flight {fl} by text at 2am and rebooked me two days later. Not acceptable.",
    "Overbooked on WN {fl}, bumped, and the voucher expires in 30 days. @SWA come on.",
    "@SWA charged me a bag fee on a fare that includes bags. Booking {code}.",
    "Lost bags & no updates. WN {fl} into {ap}. @SWA #lostluggage",
    # questions
    "@SWA how do I change my seat on flight {fl}?",
    "Does anyone know if @SWA lets you bring skis as a checked bag for free?",
    "@SWA can I add a lap infant to booking {code} online?",
    "What time does the @SWA counter open at {ap}?",
    "@SWA is flight {fl} to {ap} still on time? App says one thing, board says another.",
    # requests
    "@SWA please DM me, booking {code} shows the wrong date.",
    "@SWA please DM me about a refund on flight {fl}.",
    "Can someone from @SWA call me back? Case {code}, on hold for 2 hours.",
    # praise
    "Flight attendant on WN {fl} sang the safety briefing. 10/10. @SWA",
    "Smoothest boarding ever at {ap} gate {gate}. Nice work @SWA",
    "@SWA thank you for holding flight {fl} for our connecting group from {ap}.",
    "Pilot on flight {fl} gave the best turbulence explanation I've ever heard. @SWA #kudos",
    # other brands
    "@PeakHotels room at the {ap} airport hotel smells like smoke, asked for a different one twice.",
    "@CoffeeCoHQ mobile order vanished and I paid twice. Order {code}.",
    "@SkyLarkAir lost my bag on flight {fl}, nobody answers the phone.",
    "@MetroRideDEN train to the airport 25 minutes late, missed my flight.",
    "Love the new @PeakHotels lounge in {ap}. Great coffee.",
    # noise
    "I hate Mondays.",
    "Anyone know a good pizza place near Union Station in Denver?",
    "My cat knocked my passport behind the radiator. Travel is hard.",
    "Saturday plans: laundry, football, nap.",
    "Packing cubes changed my life, not even joking.",
    "Just saw a dog in a tiny sweater at {ap}. Day made.",
    "Reading a book about the history of airline food. Exactly as bleak as you'd think.",
    "Snow in Denver again. Shovel season. #snow",
]
_used_templates = []
_filler_count = [0]


def filler(n):
    for _ in range(n):
        if not _used_templates:
            _used_templates.extend(rng.sample(range(len(TEMPLATES)), len(TEMPLATES)))
        t = TEMPLATES[_used_templates.pop()]
        text = t.format(fl=rng.randint(1000, 4999), ap=rng.choice(AIRPORTS), gate=rng.choice("ABC") +
                        str(rng.randint(2, 49)), code=book(), n5=rng.randint(10000, 99999))
        label = "filler%d" % len(LINES)
        post(ONEOFF[_filler_count[0] % len(ONEOFF)], text, label=label, gap=(30, 200), metrics={"likes": rng.randint(0, 25)})
        _filler_count[0] += 1
        if _filler_count[0] % 45 == 0:  # a few re-deliveries of ordinary posts too
            repeat(label)

# --- the day ---------------------------------------------------------------
def book():
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))


post("nate", "Up at 5 for a 7am flight. Coffee is not optional today.", gap=(0, 5))
post("gloria", "Early flight out of DEN today, wish me luck ✈️")
post("teo", "@SWA how do I change my seat? Booked WN 2291 DEN to AUS and the app only shows the fare.", label="teo1")
post("tom", "I hate Mondays. Wait, it's Saturday. I hate Mondays anyway.")
post("pete", "Gorgeous sunrise over the Front Range from the B gates this morning #avgeek")
post("jen", "@SWA my bag never made it to Denver on flight 1184 from MDW. Bag tag WN 448812. Nobody at baggage "
     "service is answering.", label="jen1", metrics={"likes": 3, "replies": 1})
post("annak", "Is it me or is the DEN security line extra long today?")
post("hana", "Does @SWA let you change flights for free? Asking before I book.")
filler(10)
post("marcusfan", "Shoutout to the crew on WN 1876 to PHX this morning. Coffee refills without asking. Heroes.")
post("zoe", "How do I change my seat on the @SWA app? The seat map button is greyed out.")
repeat("teo1")
post("mike", "Still no refund from @SWA for cancelled flight 3050 (Nov 2). Confirmation " + book() +
     ". Three weeks now. #refund", label="mike1")
post("raj", "Watching the Nuggets highlights at the gate. What a game last night.")
post("dave", "Flight 1432 DEN-LAS delayed 2 hours, no reason given. @SWA what's happening at gate B22?",
     label="dave1", metrics={"likes": 2})
post("coffeefan", "The new oat latte at @CoffeeCoHQ is actually good. Surprised.")
post("jen", "Three hours since I filed the report. Still nothing about bag WN 448812. @SWA please DM me.",
     label="jen2", reply="jen1", metrics={"likes": 7, "replies": 2})
post("sam", "@SWA gate-checked our double stroller at MCO, it came off the plane in DEN with a snapped wheel. "
     "Twins + no stroller = chaos.", label="sam1", metrics={"likes": 14, "reposts": 2})
repeat("jen1", bump=4)
post("frank", "Please DM me or call. I was charged twice for the same booking (" + book() + ") on my card ending 4421.")
filler(10)
post("lwong", "My @SWA travel credit disappeared from my account after I changed my email. Anyone else?",
     label="lw1")
post("cindyfan", "Who rocks Denver? Cindy rocks @SWA.", label="cindy", metrics={"likes": 41, "reposts": 6})
post("ohare", "@SkyLarkAir flight 880 to ORD delayed again. Third time this month.", label="oh1")
post("priya", "Flight WN 517 DEN-SJC delayed 90 min and the gate agent just walked away mid-announcement. @SWA",
     label="priya1", metrics={"likes": 5})
post("nate", "Why does airport wifi always die at exactly the moment you need it")
post("ron", "RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.", label="ron1",
     metrics={"likes": 312, "reposts": 88, "replies": 41, "quotes": 19, "views": 48000})
filler(8)
post("gloria", "Boarded! Shoutout to the agent at C30 who found me an aisle seat.")
repeat("ron1", bump=150)
post("dave", "Now it's 3 hours. Flight 1432 still sitting at B22 with no crew. @SWA can someone please answer?",
     label="dave2", reply="dave1")
post("teo", "@SWA never mind, figured out the seat thing, thanks anyway", label="teo2", reply="teo1")
post("swa", "@rmarsh_travels Ron, we're sorry to hear this. Please DM us your confirmation number so we can "
     "follow up with our Denver team.", reply="ron1")
post("ron", "I'm still waiting at gate C39 for a supervisor. 40 minutes. Flight 2217 to PHX about to board "
     "without me @SWA", label="ron2", reply="ron1", metrics={"likes": 201, "reposts": 40, "replies": 23})
post("bex", "Anyone know if @SWA refunds the upgraded boarding if the flight is cancelled? Mine was DEN-MDW this "
     "morning.", label="bex1")
post("mike", "@SWA refund for flight 3050 still pending. Your chat bot keeps closing my case. Please DM me.",
     label="mike2", reply="mike1")
repeat("cindy")
post("rose", "The gate agent at C41 was very rude to my husband who uses a wheelchair. She rolled her eyes when "
     "he asked for pre-boarding. Flight 1966.", label="rose1")
filler(10)
post("lena", "Best customer service I've had all year: @SWA agent in Dallas rebooked me in two minutes flat. "
     "Thank you Marcus!", metrics={"likes": 260, "reposts": 30})
post("mia", "Can I bring a car seat on board @SWA? Flying with a toddler for the first time next week.")
post("sam", "@SWA 2 hours at the baggage office, they say file online. Stroller claim #" + book() +
     ". A broken stroller is not a small thing with twins.", label="sam2", reply="sam1",
     metrics={"likes": 22, "reposts": 4})
repeat("ron1", bump=310)
post("hotelguy", "@PeakHotels lost my reservation in Denver and the front desk shrugged. Sleeping at the airport "
     "it is.", label="hotel1")
post("ohare", "@SkyLarkAir now cancelled. Rebooked for tomorrow, no hotel voucher. Great.", reply="oh1")
post("carlos", "@SWA I was promised a refund for flight 2874 within 7 days. It's been 20. Booking code " + book() +
     ".", label="car1", metrics={"likes": 9})
post("oscar", "I hate Mondays. Also Saturdays, apparently.")
post("ron", "Five posts and @SWA still hasn't called. My followers are watching how you treat people.",
     label="ron3", reply="ron2", metrics={"likes": 540, "reposts": 170, "replies": 66, "quotes": 31})
repeat("ron2")
filler(12)
post("annak", "@SWA please DM me, I need to fix the name on my booking " + book() + " before Tuesday.",
     label="anna1")
post("yuki", "Snow starting to come down hard at DEN. Glad I'm on the train home.")
post("jen", "Update: bag WN 448812 located in Oakland?! I'm in Denver. @SWA how does that happen", label="jen3",
     reply="jen2", metrics={"likes": 19, "replies": 4})
post("pete", "Deicing trucks lined up three deep at DEN. This will be a long day. #avgeek #DEN")
post("ops", "Customer email forwarded: 'My flight 1290 was moved 5 hours earlier without notice, I missed it, "
     "and the phone line hung up on me twice.'")
post("lwong", "@SWA my travel credit from flight 4410 is gone. I have screenshots. Please look into case " +
     book() + ".", label="lw2", reply="lw1")
post("raj", "@SWA what's the checked bag limit on Wanna Get Away fares?")
repeat("jen3")
post("priya", "Update: WN 517 now delayed 3 hours. Missing my sister's rehearsal dinner. @SWA", label="priya2",
     reply="priya1")
filler(8)
post("teo", "Coffee at C concourse is $7 now. Seven dollars.")

# The storm: flights cancelled at DEN, about 20 different people in ~20 minutes.
SPIKE_TEXTS = [
    "Flights cancelled at DEN?? Just got the text. @SWA what now",
    "All flights cancelled at DEN this afternoon apparently. 3 kids, no hotel. @SWA",
    "flights cancelled at DEN and the line at customer service is 200 people long",
    "@SWA flights cancelled at DEN, how do I rebook without waiting 4 hours on hold?",
    "So flights cancelled at DEN for the rest of the day? Board still says on time. @SWA",
    "flights cancelled at DEN. Missing my brother's wedding tomorrow. @SWA please help",
    "Heard flights cancelled at DEN, can anyone confirm? @SWA",
    "Ski trip over before it started. flights cancelled at DEN. #DEN",
    "Flights cancelled at DEN again. Every winter. @SWA",
    "flights cancelled at DEN — my flight 2219 to BWI just went red. @SWA",
    "@SWA your app crashes every time I try to rebook after flights cancelled at DEN",
    "Flights cancelled at DEN and no agents at the B gates at all. @SWA where is everyone",
    "Kiosk feedback: 'flights cancelled at DEN, no rebooking options shown on screen'",
    "flights cancelled at DEN, stuck with a dog in a carrier. @SWA can she fly tomorrow?",
    "Flights cancelled at DEN. Sleeping on the floor near gate C27 tonight I guess. @SWA",
    "@SWA flights cancelled at DEN but my bag is already checked. Where is it going?",
    "Flights cancelled at DEN. Hotel vouchers? Anyone? @SWA",
    "Massive line, flights cancelled at DEN, @SWA is sending people to the app that doesn't work. #DEN",
    "Night shift tomorrow and flights cancelled at DEN. @SWA any chance of a morning seat?",
    "Flights cancelled at DEN. Please DM me, confirmation " + book() + ", I need to get home to Omaha.",
]
for i, key in enumerate(SPIKE):
    post(key, SPIKE_TEXTS[i], label="spike%d" % i, gap=(15, 90), metrics={"likes": rng.randint(0, 40)})
    if i in (3, 9, 15):
        repeat("spike%d" % i)

post("dave", "Flight 1432 now cancelled too. Four hours at B22 for nothing. @SWA I want a refund, not a credit.",
     label="dave3", reply="dave2", metrics={"likes": 6})
post("swa", "Due to winter weather, operations at Denver (DEN) are affected. Check your flight status at swa.example"
     "/status before heading to the airport.", label="swa_storm", metrics={"likes": 80, "reposts": 140})
post("gloria", "Landed in SEA just before the storm hit DEN. Lucky.")
post("bex", "Follow-up: flight DEN-MDW officially cancelled, the app offers a credit only. @SWA where is the refund "
     "option?", label="bex2", reply="bex1")
post("carlos", "Day 20 without my refund for flight 2874. @SWA please DM me already.", label="car2", reply="car1")
post("sam", "Update: @SWA baggage called, they'll replace the stroller. Thank you, that's all we wanted.",
     label="sam3", reply="sam2", metrics={"likes": 57, "reposts": 8})
repeat("dave3")
filler(12)
post("coffeefan", "Someone at @CoffeeCoHQ DEN concourse B wrote 'hang in there' on my cup. Needed that today.")
post("rose", "Follow-up to my complaint about the agent at C41: nobody has contacted us. Flight 1966, booking " +
     book() + ".", label="rose2", reply="rose1")
post("mia", "How do I change my seat after check-in? Asking for a very tall husband.")
post("ron", "@SWA called me. Credit issued. Still think Kimberly S. at C39 needs training.", label="ron4",
     reply="ron3", metrics={"likes": 120, "reposts": 11, "replies": 9})
post("nate", "Airport pretzel for dinner. Living the dream.")
post("hana", "@SWA thank you to the Denver ramp crew working in that snow. Saw you from the window. Respect.")
post("mike", "Third time asking: where is my refund for flight 3050? @SWA #refund", label="mike3", reply="mike2")
repeat("mike3")
post("lena", "Thread: what happens to your rights when flights are cancelled for weather. 1/")
post("priya", "WN 517 finally boarding. 4h 10m late. Thanks to the gate agent Dana who kept everyone calm.",
     label="priya3", reply="priya2")
post("zoe", "Stuck in traffic on Peña Blvd. I hate Mondays, and this is worse.")
post("lwong", "Credit restored! Thanks @SWA support for sorting it.", label="lw3", reply="lw2")
post("yuki", "@MetroRideDEN trains packed with stranded travellers. Add more cars please!")
post("annak", "Still waiting on that DM @SWA, booking name is wrong and I fly Tuesday.", label="anna2",
     reply="anna1")
post("jen", "Bag WN 448812 arriving on the last flight from OAK. Fingers crossed. @SWA thanks for the update.",
     label="jen4", reply="jen3")
repeat("jen4")
filler(18)
post("tom", "@SWA can I get a refund if my flight is cancelled because of weather?")
post("oscar", "Checked in for tomorrow's 6am. The 6am that will absolutely be delayed.")
post("pete", "Best photo of the day: a @SWA 737 in the snow at DEN #avgeek", metrics={"likes": 300})
post("hotelguy", "Update: @PeakHotels found a room after all. Manager apologised. Fair play.", reply="hotel1")
post("frank", "I'd like a receipt for the duplicate charge refund, please. Booking " + book() + ".")
post("raj", "Thanks @SWA, bag limit answer was quick and clear.")
post("gloria", "Free inflight wifi actually worked. Miracles happen.")
post("cindyfan", "Cindy at the Denver C gates saved my day again. @SWA give her a raise.", label="cindy2",
     reply="cindy")
post("mia", "@SWA please DM me about seating for a passenger of size, flight 1588 next Friday.")
post("dave", "Got home by car. @SWA still waiting on the refund for 1432.", label="dave4", reply="dave3")
post("teo", "Snow day. Cancelling everything and watching movies.")
post("ops", "Customer email forwarded: 'Thank you to the crew of flight 2950, the captain came out to talk to us "
     "during the delay. Above and beyond.'")
post("lena", "Reminder: document everything when your flight is cancelled. Receipts, times, names.",
     metrics={"likes": 420, "reposts": 199})
post("annak", "Got the DM, name fixed. Thanks @SWA!", label="anna3", reply="anna2")
filler(10)
post("coffeefan", "Is it just me or is @CoffeeCoHQ's app down?")
post("hana", "How do I change my seat on a Companion Pass booking?")
post("bex", "Refund request submitted for DEN-MDW. We'll see. @SWA", label="bex3", reply="bex2")
post("carlos", "Refund finally showed up for flight 2874. Thanks @SWA, but 21 days is too long.", label="car3",
     reply="car2")
post("ron", "RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.", metrics={"likes": 2})  # same words again: a new post, not a re-delivery
post("zoe", "Good night from a very snowy Denver. Please let my 7am fly tomorrow @SWA")

# Malformed lines: each is dead-lettered with a reason, never dropped or fatal.
bad('{"data":{"id":"1992999000000000001","text":"my bag is in Oakland and I am in Denver @SWA","author_id":"88')
bad('{"event":"heartbeat","source":"x-stream","ts":"2026-11-21T12:00:00Z"}')
bad('{"platform":"webform","id":1999,"author":{"id":"cust-31337","handle":"kerry_m"},'
    '"created_at":"2026-11-21T13:05:00Z","lang":"en"}')
bad('{"platform":"reddit","id":98765432109876543210987654321,"text":"@SWA lost my bag","author":{"handle":"big_id"}}')
bad('{"data":[{"id":"1992999000000000002","text":"search page pasted whole","author_id":"12"}],'
    '"meta":{"result_count":1}}')
bad('{"id":"115589999000000001","created_at":"yesterday","content":"<p>flights cancelled at DEN</p>",'
    '"account":{"id":"1","username":"late","acct":"late"}}')

# Put the malformed lines where a stream would have them: scattered, not at the end.
good = [l for l in LINES if l[0] != "invalid"]
bads = [l for l in LINES if l[0] == "invalid"]
for i, b in enumerate(bads):
    good.insert(25 + i * 37, b)
for _, text in good:
    print(text)

print("lines=%d x_v2=%d mastodon=%d generic=%d invalid=%d repeats=%d" % (
    len(good), STATS["x_v2"], STATS["mastodon"], STATS["generic"], STATS["invalid"], STATS["repeat"]),
    file=sys.stderr)
