"""Generates `data/nlu/generated.yml`: training examples from hand-written templates.

    .venv/rasa/bin/python -m bot.evaluation.generate_nlu [--check]

Every phrase below was written for this project from how shoppers write to a shop
(requests, questions, "I need help to ...", "could you tell me ...", formal and
informal, with and without an order number or product). None comes from an evaluation
set. Each intent has *cores* (what the shopper wants, as a verb phrase in the base form,
e.g. "cancel my order") and *questions* (whole sentences); cores are put into shared
frames ("I'd like to {vp}", "what do I have to do to {vp}", "help me {ger}", ...).
The out_of_scope near misses (changing an order's items, cancellation fees, payment
methods, placing an order, invoices, accounts, newsletters, reviews) get the same frames,
so the frames themselves carry no intent and the model has to read the core.

Output is deterministic (fixed seed) and committed; `--check` exits 1 if the committed
file differs from what the templates give (a CI guard against hand edits).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path
from typing import Dict, List, Sequence

OUT = Path(__file__).resolve().parents[2] / "data" / "nlu" / "generated.yml"
SEED = 20240611

# Frames taking a base-form verb phrase. Lower-case; capitals/punctuation added later.
VP_FRAMES = [
    "{vp}", "{vp} please", "please {vp}", "i want to {vp}", "i'd like to {vp}",
    "i would like to {vp}", "i need to {vp}", "i have to {vp}", "i wanna {vp}",
    "i need help to {vp}", "can you help me {vp}", "could you help me to {vp}",
    "help me {vp}", "how do i {vp}", "how can i {vp}", "how to {vp}",
    "what do i have to do to {vp}", "what should i do to {vp}",
    "i'd like to know how to {vp}", "could you tell me how to {vp}",
    "can you tell me how i can {vp}", "where can i {vp}", "is it possible to {vp}",
    "can i {vp}", "could i {vp}", "i don't know how to {vp}", "tell me how to {vp}",
    "show me how to {vp}", "i need assistance to {vp}", "i'm trying to {vp}",
    "what is the way to {vp}", "what's the process to {vp}", "i want to know how to {vp}",
    "i need a hand to {vp}", "would it be possible to {vp}", "i was wondering how to {vp}",
    "hi, i want to {vp}", "hello, i need to {vp}", "hey can you {vp}",
    "could you {vp} for me", "i'm looking for a way to {vp}", "i need your help to {vp}",
    "i can't figure out how to {vp}", "is there a way to {vp}", "where do i go to {vp}",
]
GER_FRAMES = [
    "help {ger}", "help with {ger}", "i need help {ger}", "i need assistance {ger}",
    "can you help me with {ger}", "i want help {ger}", "i'd like some help {ger}",
    "i have a question about {ger}", "i have trouble {ger}", "assistance {ger}",
    "i'm interested in {ger}", "information about {ger}", "support for {ger}",
    "i need some information about {ger}", "question about {ger}",
]
# Frames taking a noun phrase: what the shopper wants to know or see.
NP_FRAMES = [
    "{np}", "{np}?", "{np} please", "what is {np}", "what's {np}", "tell me {np}",
    "can you tell me {np}", "could you tell me {np}", "i'd like to know {np}",
    "i want to know {np}", "i need to know {np}", "i want to check {np}",
    "i'd like to check {np}", "can i check {np}", "how can i check {np}",
    "help me check {np}", "show me {np}", "i need information about {np}",
    "where can i see {np}", "i wanna see {np}", "let me know {np}", "can you give me {np}",
    "could you help me find {np}", "i'm looking for {np}", "hi, i'd like to see {np}",
]

ORDER_REFS = [
    "my order", "my order", "my purchase", "order {num}", "order #{num}", "order number {num}",
    "the order i placed", "the order i made yesterday", "my last order", "order no. {num}",
    "my online order", "the order i made last week", "purchase {num}", "my recent order",
]
PRODUCTS = [
    "sweater", "jumper", "chinos", "jacket", "scarf", "t-shirt", "boots", "chelsea boots",
    "table lamp", "mug set", "duvet cover", "tote bag", "belt", "beanie", "socks",
    "sunglasses", "candle", "throw", "towel", "coat", "trainers",
]
NUMBERS = ["10023", "20417", "31882", "45678", "55120", "60012", "73002", "88410", "91234",
           "12009", "38820", "47291", "50336", "66120", "79004", "83001", "94105", "26518"]

INTENTS: Dict[str, Dict[str, List[str]]] = {
    "order_status": {
        "vp": [
            "track my order", "track {order}", "check the status of {order}",
            "check on {order}", "find out where {order} is", "see where my parcel is",
            "know where {order} is", "locate my package", "follow my delivery",
            "see the tracking for {order}", "get the tracking number for {order}",
            "find out when {order} will arrive", "check if {order} has shipped",
            "check whether {order} was dispatched", "get an update on {order}",
            "know when my {product} will be delivered", "trace my parcel",
            "see the delivery status of {order}", "find my parcel", "track my package",
            "check the progress of {order}", "track the {product} i ordered",
            "follow the shipment of {order}", "know if {order} is on its way",
        ],
        "ger": ["tracking {order}", "tracking my package", "checking the status of {order}",
                "locating my parcel", "finding out where {order} is"],
        "np": ["the status of {order}", "where {order} is", "the tracking info for {order}",
               "when {order} will arrive", "the delivery status of {order}",
               "the current status of {order}", "the tracking number of {order}",
               "an update on {order}", "the eta of {order}", "where my {product} is"],
        "q": [
            "where is {order}", "where's {order}?", "wheres {order}", "has {order} shipped",
            "has {order} been dispatched yet", "is {order} on its way", "when will {order} arrive",
            "when is {order} coming", "{order} hasn't arrived yet", "{order} still hasn't come",
            "what's the status of {order}", "what happened to {order}", "any news about {order}?",
            "is {order} out for delivery", "my {product} hasn't arrived", "where is my {product}",
            "did you send {order} yet", "has my {product} been sent", "status of {order}",
            "order status for {order}", "tracking for {order}", "how far is {order}",
            "i've been waiting for {order} for two weeks, where is it",
            "my package was supposed to arrive yesterday, where is it",
            "the tracking for {order} hasn't moved in days", "is {order} delayed?",
            "any idea when {order} will get here?", "i ordered a {product} and it's not here yet",
            "can you see where {order} is right now", "i'm still waiting on {order}",
        ],
    },
    "cancel_order": {
        "vp": [
            "cancel {order}", "cancel my order", "cancel the {product} i ordered",
            "cancel a purchase", "cancel {order} i made by mistake", "call off {order}",
            "stop {order} before it ships", "cancel an order i just placed",
            "cancel the whole order", "void {order}", "withdraw {order}", "scrap {order}",
            "get {order} cancelled", "cancel {order} and get my money back",
            "cancel an item i bought", "cancel the order for the {product}",
            "cancel my purchase", "annul {order}", "cancel {order} please",
            "cancel the order i placed by accident", "request a cancellation of {order}",
            "make a cancellation", "submit a cancellation for {order}",
        ],
        "ger": ["cancelling {order}", "canceling {order}", "cancelling a purchase",
                "cancelling the {product} i bought", "the cancellation of {order}"],
        "np": ["how to cancel {order}", "how i can cancel {order}", "the way to cancel {order}",
               "if i can still cancel {order}", "whether it's too late to cancel {order}"],
        "q": [
            "can {order} still be cancelled", "is it too late to cancel {order}",
            "i don't want {order} anymore, cancel it", "i ordered the {product} by mistake, cancel it",
            "i changed my mind about {order}, please cancel it", "cancel it, i don't need {order}",
            "cancellation request for {order}", "i placed {order} twice, cancel one",
            "cancel {order} asap", "please don't send {order}, i want to cancel",
            "i found it cheaper, cancel {order}", "i no longer need the {product}, cancel the order",
            "cancel order", "order cancellation", "cancel purchase",
        ],
    },
    "start_return": {
        "vp": [
            "return {order}", "return the {product}", "return an item", "return a product",
            "send back the {product}", "send {order} back", "return something i bought",
            "make a return", "start a return", "open a return for {order}",
            "get a refund", "get a refund for {order}", "request a refund",
            "request a refund for the {product}", "get my money back", "get my money back for {order}",
            "claim a refund", "ask for a refund", "be refunded for the {product}",
            "get reimbursed for {order}", "get a return label for {order}",
            "print a returns label", "exchange the {product} for another size",
            "swap the {product} for a different colour", "return part of {order}",
            "return a gift", "return the {product} from {order}", "file a refund request",
            "get a refund on {order}", "receive a refund for {order}", "return the {product} i bought",
            "get my money back for a damaged {product}", "return a faulty item",
            "claim my money back", "obtain a refund", "get a reimbursement",
            "ask for a reimbursement", "request a reimbursement", "obtain a reimbursement",
            "get reimbursed", "claim a reimbursement for {order}", "request my money back",
            "receive my money back", "obtain my money back", "have the money refunded",
            "get the money refunded", "ask for the money back", "get a refund for a purchase",
            "be given my money back", "recover the money i paid",
            "get back the money i paid", "have my money returned", "get a refund of my money",
            "ask for my money back", "receive a refund", "get refunded", "be reimbursed",
            "request a refund of {order}", "get a full refund", "get money back for a purchase",
        ],
        "ger": ["returning the {product}", "returning {order}", "getting a refund",
                "getting my money back", "requesting a refund", "sending back {order}",
                "claiming a refund for {order}", "getting a refund for the {product}"],
        "np": ["a refund for {order}", "a return label", "a refund", "my money back",
               "a refund for the {product}"],
        "q": [
            "i want a refund", "i want my money back", "refund me please", "refund {order}",
            "i demand a refund for the {product}", "the {product} is broken, i want a refund",
            "the {product} doesn't fit, can i send it back", "the {product} is too small, i want to return it",
            "i'm not happy with the {product}, i want my money back",
            "you sent me the wrong {product}, i need to return it",
            "the {product} arrived damaged, i want to send it back", "refund for {order} please",
            "i'd like a refund on {order}", "return request for {order}", "return the {product}",
            "i need to return {order}", "i want to give back the {product}",
            "can i have my money back for {order}", "i want a refund, the {product} is faulty",
            "i'd like a return label for {order}", "money back for the {product} please",
            "i need a reimbursement", "i need a refund", "i'm entitled to a refund and i want it",
            "give me back my money", "i want to be reimbursed", "reimburse me",
            "i want a refund for {order}", "i would like to get my money back", "can i get my money back",
            "how can i get a refund", "i'd like to be refunded", "i need my money returned",
            "i want to request a refund", "please give me a refund", "i want my money back for the {product}",
            "can you refund my purchase", "i want a refund now", "i want to claim my money back",
            "refund please", "how do i ask for my money back", "i'd like to get a refund on the {product}",
            "the {product} is rubbish, give me my money back", "i'd like a reimbursement for {order}",
            "can i have a refund", "i want to get refunded for {order}", "how do i get reimbursed",
        ],
    },
    "return_policy": {
        "np": [
            "your return policy", "the returns policy", "your refund policy", "the refund policy",
            "the money back guarantee", "your money-back guarantee", "the conditions for a refund",
            "the conditions for returns", "the terms of your refund policy", "your refund rules",
            "the rules for returning items", "the return window", "the returns period",
            "the refund terms and conditions", "your policy on refunds", "your exchange policy",
            "in which cases i can get a refund", "in what situations you give refunds",
            "when i'm entitled to a refund", "under what conditions i can get my money back",
            "how long i have to return an item", "if sale items can be returned",
            "if returns are free", "who pays for return shipping", "what your refund policy says",
            "if i can get a refund after 30 days", "the refund conditions",
            "if you offer a money back guarantee", "what items can't be returned",
            "how your returns work", "the policy for returning a {product}",
            "your money back policy", "the reimbursement policy", "the refund guarantee",
            "in which cases i can ask for a reimbursement", "your reimbursement rules",
            "when i can ask for my money back", "if i'm eligible for a refund",
            "the cases in which you refund", "what the refund policy is",
        ],
        "vp": ["read your refund policy", "see the return policy", "check the refund policy",
               "find the refund terms", "understand your refund policy",
               "check if i'm entitled to a refund", "learn about your money back guarantee",
               "see in which cases you issue refunds", "check the conditions to get a refund",
               "read the terms for returns",
               "check your money back policy", "see the reimbursement policy",
               "check in what cases you refund", "see in which situations i get a refund",
               "check the money back policy conditions", "check the refund guarantee",
               "see when refunds are allowed", "check if your policy gives refunds on sale items",
                  "know your refund policy", "check in which cases i can ask for a refund",
                  "find out when i can get a reimbursement", "check the return conditions",
                  "see your money back guarantee", "know in what cases refunds are given",
                  "check the reimbursement conditions", "find out if i'm eligible for a refund"],
        "ger": ["your refund policy", "the return policy", "your money back guarantee",
                "refund conditions", "the returns rules"],
        "q": [
            "what is your refund policy", "what's the return policy", "do you have a money back guarantee",
            "do you offer refunds", "do you give refunds on sale items", "can i get a refund if i don't like it",
            "when can i ask for a refund", "in what cases can i request a refund",
            "can i get a refund on a used item", "is a refund possible after two months",
            "how many days do i have to return something", "are returns free of charge",
            "do refunds go back to the original card", "do i get cash or store credit",
            "can i return a {product} i've worn", "can i return the {product} without tags",
            "what's the deadline for returns", "refund policy?", "returns policy", "money back guarantee?",
            "do you refund the shipping cost", "will i get a full refund", "what are your refund rules",
            "is there a restocking fee on returns", "are clearance items refundable",
            "what's your policy on refunds", "can you explain the refund policy",
            "how does your refund policy work", "what are the conditions to get a refund",
            "in which situations do you refund", "when am i eligible for a refund",
            "what does your money back guarantee cover", "is there a refund policy",
            "what's the refund policy for sale items", "how many days do i have to ask for a refund",
            "do you refund the full amount", "i'd like to read about your refund policy",
            "where can i find your refund policy", "what are the rules for getting a refund",
            "in what cases are refunds allowed", "is it possible to get a refund on any item",
        ],
    },
    "refund_status": {
        "vp": [
            "check the status of my refund", "track my refund", "check my refund",
            "see if my refund was processed", "find out when i'll get my refund",
            "know if my refund has been issued", "check on the refund for {order}",
            "see if my refund has gone through", "follow up on my refund",
            "find out what happened to my refund", "check whether the refund for {order} was approved",
            "check if you received my return", "see the progress of my refund",
            "know when my money will be back", "get an update on my refund",
            "check the refund for the {product} i sent back", "verify my refund status",
            "find out if my reimbursement was processed",
            "check the status of my reimbursement", "track my reimbursement",
            "see if you have refunded me", "know if you sent my money back",
            "check if my money was returned", "find out if the refund was issued",
            "check when i'll get the money back", "see the refund status",
            "check the progress of my reimbursement", "know if the reimbursement is on its way",
            "check the current status of my refund", "see the state of my reimbursement",
            "know how my refund is progressing", "check if my reimbursement has been sent",
            "check if the money is back on my card", "track the refund for {order}",
            "see where my money is", "find out why my refund is late", "check if my refund has been paid",
            "confirm the refund was sent", "follow my reimbursement", "see if the refund reached my account",
            "check on my reimbursement", "track the money from my return",
        ],
        "ger": ["tracking my refund", "checking my refund", "checking the status of my refund",
                "the refund for {order}", "my refund status"],
        "np": ["the status of my refund", "my refund status", "where my refund is",
               "when i'll get my refund", "when my money will be back",
               "if my refund has been processed", "the refund status for {order}",
               "an update on my refund", "if you got my return", "how my refund is going",
               "the status of my reimbursement", "the refund status", "if you reimbursed me",
               "if my refund is on its way", "if the money was sent back to me",
               "the state of my refund", "news about my reimbursement"],
        "q": [
            "where is my refund", "where's my refund?", "has my refund been processed",
            "when will i get my refund", "i haven't received my refund yet",
            "my refund still hasn't arrived", "did you process the refund for {order}",
            "i sent back the {product} two weeks ago and still no refund",
            "i'm still waiting for my refund", "refund status", "status of my refund",
            "has the refund for {order} gone through", "why haven't i got my refund",
            "when will the refund show on my card", "is my refund on its way",
            "you got my return, so where's my money", "any update on my refund?",
            "was my refund approved", "how long until my refund arrives", "refund for {order} not received",
            "i haven't got my money back yet", "the refund hasn't reached my account",
            "the money hasn't come back to my card", "when will the refund hit my bank account",
            "is my reimbursement being processed", "has the money been returned to my account",
            "i returned the {product} but haven't been refunded", "you said you'd refund me but nothing yet",
            "did my refund come through", "any news on my reimbursement", "i was promised a refund, where is it",
            "the refund for {order} is missing", "still no money back for {order}",
            "i'm waiting for the money from my return", "can you tell me if my refund is done",
            "it's been 10 days and no refund", "was the refund sent to my bank",
            "i need to know the status of my refund", "the refund is taking ages, where is it",
            "has my reimbursement been paid", "is the refund for the {product} processed yet",
        ],
    },
    "change_shipping_address": {
        "vp": [
            "change my shipping address", "change the delivery address for {order}",
            "update my shipping address", "update the address on {order}", "edit my delivery address",
            "modify the shipping address of {order}", "correct the address on {order}",
            "fix my delivery address", "send {order} to a different address",
            "change where {order} is delivered", "redirect {order}", "redirect my parcel",
            "change the postcode on {order}", "deliver {order} to my work address instead",
            "change the shipping address on my purchase", "amend the delivery address",
            "put a new address on {order}", "switch the delivery address of {order}",
            "have {order} shipped to my new address", "change the address i entered",
            "update the house number on {order}", "change the destination of {order}",
        ],
        "ger": ["changing my shipping address", "changing the address on {order}",
                "updating my delivery address", "editing the shipping address",
                "correcting my address"],
        "np": ["how to change my shipping address", "how to update the delivery address on {order}",
               "if i can change the address on {order}", "if the delivery address can still be changed"],
        "q": [
            "i entered the wrong address", "i gave you the wrong shipping address for {order}",
            "my address on {order} is wrong", "there's a mistake in my delivery address",
            "i moved, can you send {order} to my new address", "wrong postcode on {order}",
            "the shipping address is incorrect", "can the address on {order} be changed",
            "new delivery address for {order}", "can i get {order} delivered somewhere else",
            "i'm moving next week, please change my delivery address", "address change for {order}",
            "i typed my street wrong on {order}", "change of address for my delivery",
        ],
    },
    "delivery_options": {
        "vp": [
            "check the delivery options", "see the shipping options", "know the delivery methods",
            "choose a shipping method", "find out about delivery options", "get express delivery",
            "get next day delivery", "pick a delivery option", "compare the shipping methods",
            "check how much shipping costs", "find out how long delivery takes",
            "check if you ship to ireland", "get my order delivered on a saturday",
            "choose a delivery slot", "collect my order in store", "use click and collect",
            "ship internationally", "pay for faster shipping", "see the shipping rates",
            "know which courier you use",
            "check the shipment options", "see the delivery methods", "view the shipping methods",
            "ship to another country", "know the shipping fees", "check the delivery charges",
            "find out the delivery times", "see which countries you deliver to",
            "check the delivery time to my country", "pick up my parcel at a collection point",
            "choose standard or express delivery", "upgrade to express shipping", "get free delivery",
            "check if you deliver to my area", "know how many days shipping takes", "find a pickup point",
            "check the postage costs", "get my {product} delivered faster",
            "see your shipment methods", "know the shipping periods", "check the delivery periods",
            "inquire about delivery methods", "ask about the shipping options", "check the delivery modes",
            "see what options for delivery are available", "check how you deliver",
            "see the shipping rates and times", "know the options to ship my order",
            "check how soon you can ship", "compare delivery prices",
            "find out which delivery options there are", "look at the delivery choices",
            "learn about your shipping methods", "ask about delivery options",
            "check what shipping methods you have", "see the available delivery options",
            "check which ways of delivery you offer", "get information on shipping options",
            "know what types of delivery you have", "check the shipment methods",
            "see your shipping choices", "find the delivery options", "check the delivery services",
        ],
        "ger": ["delivery options", "shipping methods", "shipping costs", "express delivery",
                "shipment options", "delivery periods", "shipping times", "collection points",
                "international shipping", "the delivery methods you offer"],
        "np": ["the delivery options", "the shipping options", "your delivery methods",
               "the available shipping methods", "the shipping costs", "the delivery times",
               "how long shipping takes", "what delivery options you have",
               "which shipping methods are available", "the delivery periods",
               "what delivery methods i can choose", "the shipping rates to france",
               "if you offer next day delivery", "the price of express shipping",
               "the shipment options", "your shipping choices", "the ways you deliver",
               "the types of delivery you offer", "the delivery services you offer",
               "the shipping methods you have", "info on delivery options",
               "what shipping options i have", "the options for delivery",
               "the shipping charges", "the postage costs", "the delivery charges",
               "the countries you ship to", "the delivery time to germany", "the collection points",
               "the pickup locations", "the standard delivery time", "how long express delivery takes",
               "the cost of next day delivery", "the international shipping rates", "the shipping fees",
               "the delivery fee", "how many days delivery takes", "your shipping policy",
               "your delivery policy", "the free shipping threshold", "if you ship to my country",
               "the delivery costs to ireland", "the express shipping options",
               "the shipment methods", "the shipping periods", "the delivery modes",
               "the different shipping options", "your shipping services", "the ways of shipping",
               "what options i have for shipping", "the delivery possibilities"],
        "q": [
            "what delivery options do you have", "what shipping methods do you offer",
            "how much is delivery", "how long does delivery take", "do you ship abroad",
            "do you deliver on sundays", "is there free shipping", "do you have express shipping",
            "which delivery options are there", "what are the delivery options", "shipping options?",
            "how fast can i get my {product}", "do you offer same day delivery",
            "can i get it delivered tomorrow", "how much does next day delivery cost",
            "what couriers do you use", "do you deliver to parcel lockers",
            "which shipping method is the cheapest", "do you ship to the usa",
            "what are your shipping times",
            # round 3: countries, costs, times, speed, collection points
            "do you ship to canada", "do you deliver to australia", "can you ship to germany",
            "do you ship internationally", "which countries do you ship to",
            "do you deliver outside the uk", "what are the shipping charges",
            "how much do you charge for shipping", "how much is postage", "what does standard delivery cost",
            "is delivery free over a certain amount", "how many days does shipping take",
            "how long will it take to get here if i order now", "how long does international shipping take",
            "what's the cut-off time for next day delivery", "do you have pickup points",
            "can i pick up my order from a collection point", "can i collect from one of your stores",
            "do you offer click and collect", "can i choose a delivery date", "do you deliver on weekends",
            "what kind of shipping do you offer", "can i get express shipping",
            "is there a faster delivery option", "do you do next day delivery",
            "what's the cheapest way to get it delivered", "do you use dhl or ups",
            "standard or express shipping?", "how long does delivery to spain take",
            "what are the delivery charges", "is tracked delivery available", "do you ship to po boxes",
            "how soon can you deliver a {product}", "how much is shipping to the us",
            "what shipping options are there for europe", "is express delivery available in my area",
            "can i have my parcel sent to a pick up point", "do you deliver to northern ireland",
            "what does shipping cost", "how much for next day shipping", "do you offer free delivery",
            "how quickly do you ship", "can i pay extra to get it sooner", "do you deliver to my country",
        ],
    },
    "payment_issue": {
        "vp": [
            "report a payment issue", "report a problem with a payment", "fix a payment error",
            "solve a payment problem", "sort out a problem with my payment",
            "report that i was charged twice", "get help with a failed payment",
            "complete my payment, it keeps failing", "pay for {order}, the card is declined",
            "report a wrong charge on my card", "notify you of a payment problem",
            "resolve an issue with my payment", "report an unknown charge",
            "dispute a charge from your shop",
        ],
        "ger": ["a payment issue", "a payment problem", "my payment", "a failed payment",
                "a declined card", "a double charge", "paying for {order}", "paying with my card"],
        "np": ["why my payment failed", "why my card was declined", "why i was charged twice",
               "what's wrong with my payment", "why the payment for {order} didn't go through"],
        "q": [
            "my payment failed", "my payment didn't go through", "my card was declined",
            "i was charged twice for {order}", "i got charged two times", "the payment won't go through",
            "there's an error when i try to pay", "checkout keeps failing", "i can't pay for {order}",
            "my card is being rejected", "you took money but {order} shows unpaid",
            "i was charged the wrong amount", "payment error on checkout", "paypal payment failed",
            "i have a problem with a payment", "i have a payment issue", "problem with my payment",
            "i've got an issue with the payment", "there is a charge i didn't make",
            "the money was taken but no order confirmation", "my bank transfer failed",
            "payment keeps getting rejected", "i was overcharged for {order}",
        ],
    },
    "human_agent": {
        "vp": [
            "speak to a human", "talk to a real person", "speak with an agent", "talk to an operator",
            "chat with a live agent", "contact customer service", "contact customer support",
            "reach your support team", "get in touch with customer service", "call customer service",
            "email customer support", "speak to someone from customer service",
            "talk to a customer service representative", "get a human on the line",
            "be transferred to an agent", "speak to a member of staff", "talk to support",
            "contact a person", "reach a live person", "get hold of someone in customer service",
            "speak to a manager", "talk to someone about {order}", "contact the support team",
            "reach customer care", "phone your helpline",
        ],
        "ger": ["contacting customer service", "contacting customer support", "reaching a human",
                "speaking to an agent", "talking to a person", "getting in touch with support"],
        "np": ["your customer service phone number", "the customer support email",
               "the number for customer service", "your support contact details",
               "the customer service hours", "when customer support is open",
               "how to contact customer service", "how to reach a human agent",
               "a real person", "a human agent", "someone from customer service"],
        "q": [
            "human please", "agent please", "i want a real person", "let me speak to a person",
            "put me through to someone", "is there a human i can talk to", "transfer me to an agent",
            "i don't want to talk to a bot", "get me a human", "connect me to customer service",
            "i need to talk to somebody", "can someone call me back", "what is your phone number",
            "how can i contact you", "what's the customer service email", "can i speak to an agent now",
            "i'd rather speak to a person", "operator", "customer service", "customer support please",
            "when is customer service available", "what are your support hours",
        ],
    },
    "complaint": {
        "vp": [
            "make a complaint", "file a complaint", "lodge a complaint", "submit a complaint",
            "raise a complaint about {order}", "complain about your service",
            "complain about the {product}", "complain about the courier", "file a claim against your company",
            "report bad customer service", "make a formal complaint", "register a complaint",
            "complain about a member of staff", "lodge a claim", "open a complaint about {order}",
            "report how badly i was treated", "escalate my complaint", "file a consumer complaint",
            "complain about a delivery", "make a claim about bad service",
        ],
        "ger": ["making a complaint", "filing a complaint", "lodging a complaint", "a complaint",
                "submitting a complaint about {order}", "complaining about the service"],
        "np": ["how to file a complaint", "where to send a complaint", "how to make a complaint",
               "the complaints procedure", "the way to lodge a complaint"],
        "q": [
            "i'm unhappy with your service", "your service is terrible", "this is unacceptable",
            "i'm really disappointed with {order}", "i'm not satisfied with the service i got",
            "your staff were rude to me", "the courier was rude", "worst service ever",
            "i have a complaint", "i want to complain", "complaint about {order}",
            "nobody answers my emails, this is a disgrace", "i'm fed up with your company",
            "i'm dissatisfied with my experience", "the quality of the {product} is awful and i want to complain",
            "i'm furious about how {order} was handled", "i want to report a terrible experience",
            "i'm very angry with your customer service",
        ],
    },
    "out_of_scope": {
        "vp": [
            # change_order: changing what is in an order (not its address)
            "add an item to {order}", "remove an item from {order}", "change the size on {order}",
            "change the colour of the {product} in {order}", "modify {order}", "edit {order}",
            "change {order}", "update the items in {order}", "add another {product} to {order}",
            "take the {product} off {order}", "swap an item in {order} before it ships",
            "change the quantity in {order}", "add something to my order",
            # check_cancellation_fee
            "check the cancellation fee", "know the cancellation charges",
            "find out if there is a fee to cancel", "see how much it costs to cancel an order",
            "check the early termination fee", "check the penalty for cancelling",
            # check_payment_methods / place_order
            "check the payment methods", "see which payment options you accept", "pay with paypal",
            "pay with a gift card", "pay in instalments", "use klarna", "pay by bank transfer",
            "place an order", "buy a {product}", "order a {product}", "make a purchase",
            "purchase some items", "buy something from your shop", "order some {product}s",
            "place a new order for a {product}", "buy a gift card", "purchase a {product} online",
            # invoices
            "get an invoice", "download my invoice", "check my invoice for {order}",
            "get a copy of my bill", "see my invoices", "request a vat invoice",
            "find the invoice for {order}", "get a receipt for {order}",
            # account
            "create an account", "open an account", "sign up", "register on your site",
            "delete my account", "close my account", "edit my account details",
            "update my profile", "change my account email", "switch to another account",
            "switch accounts", "recover my password", "reset my password",
            "change my password", "log in to my account", "fix a registration error",
            # newsletter
            "subscribe to your newsletter", "unsubscribe from the newsletter",
            "sign up for your emails", "stop getting marketing emails", "join the mailing list",
            # review
            "leave a review", "write a review for the {product}", "rate my purchase",
            "submit feedback about a product", "post a review on your site",
            "share my opinion about the {product}", "leave a comment about your service",
            "give a five star rating",
            # shop / other
            "find a store near me", "get a discount code", "use a promo code",
            "check if the {product} is in stock", "find my size", "apply for a job with you",
            "redeem a gift card", "book an appointment in store",
        ],
        "ger": ["changing {order}", "modifying {order}", "adding an item to {order}",
                "the cancellation fee", "cancellation charges", "payment methods", "placing an order",
                "buying a {product}", "getting an invoice", "creating an account", "deleting my account",
                "recovering my password", "registering", "subscribing to the newsletter",
                "leaving a review", "switching accounts", "editing my profile"],
        "np": ["the cancellation fee", "the fee for cancelling an order", "the cancellation penalty",
               "the payment methods you accept", "the payment options", "which cards you accept",
               "if you take paypal", "my invoice", "the invoice for {order}", "my bills",
               "my account details", "the newsletter", "the price of the {product}",
               "if the {product} is in stock", "your opening hours in store",
               "the size guide for the {product}", "your discount codes", "my loyalty points"],
        "q": [
            "is there a fee if i cancel", "how much does it cost to cancel an order",
            "do you charge for cancellations", "will i be charged a fee for cancelling {order}",
            "what payment methods do you accept", "can i pay with apple pay", "do you take american express",
            "do you accept cash on delivery", "i want to buy a {product}", "i'd like to order a {product}",
            "i want to add a {product} to {order}", "i need to change {order}", "i need to modify my purchase",
            "i'd like to change an item in {order}", "can i still change what's in {order}",
            "i need an invoice", "where is my invoice for {order}", "i can't find my bill",
            "i forgot my password", "i can't register", "registration isn't working", "delete my profile",
            "i want to unsubscribe", "how do i sign up for the newsletter", "i want to write a review",
            "how do i rate the {product}", "is the {product} available in blue",
            "what's the weather like in paris tomorrow?", "tell me a joke", "who won the football",
            "what time is it", "book me a flight", "what's the capital of peru",
            "i need a recipe for pancakes", "play some music",
        ],
    },
}

GERUNDS = {
    "be": "being", "get": "getting", "put": "putting", "swap": "swapping", "stop": "stopping",
    "scrap": "scrapping", "ship": "shipping", "sign": "signing", "log": "logging", "shop": "shopping",
    "make": "making", "leave": "leaving", "write": "writing", "share": "sharing",
    "rate": "rating", "use": "using", "give": "giving", "choose": "choosing", "close": "closing",
    "delete": "deleting", "create": "creating", "change": "changing", "compare": "comparing",
    "receive": "receiving", "resolve": "resolving", "dispute": "disputing", "have": "having",
    "escalate": "escalating", "update": "updating", "locate": "locating", "trace": "tracing",
    "phone": "phoning", "take": "taking", "purchase": "purchasing", "place": "placing",
    "subscribe": "subscribing", "issue": "issuing", "file": "filing", "lodge": "lodging",
    "raise": "raising", "register": "registering", "amend": "amending", "continue": "continuing",
    "annul": "annulling", "cancel": "cancelling", "void": "voiding", "submit": "submitting",
    "request": "requesting", "solve": "solving", "notify": "notifying", "verify": "verifying",
}


def gerund(vp: str) -> str:
    first, _, rest = vp.partition(" ")
    ing = GERUNDS.get(first) or (first + "ing")
    return f"{ing} {rest}".strip()


TYPO_KEEP = re.compile(r"[\[\]()#@0-9]")


def typo(text: str, rng: random.Random) -> str:
    """One human-like slip in a word of 4+ letters: swap, drop or double a letter."""
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha() and not TYPO_KEEP.search(w)]
    if not idx:
        return text
    i = rng.choice(idx)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    kind = rng.random()
    if kind < 0.4:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif kind < 0.75:
        w = w[:j] + w[j + 1:]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def fill(template: str, rng: random.Random) -> str:
    """Slots: {order} (an order reference, maybe with a number), {product}, {num}."""
    def order_ref(_: re.Match) -> str:
        return rng.choice(ORDER_REFS)

    text = re.sub(r"\{order\}", order_ref, template)
    text = re.sub(r"\{product\}", lambda _: f"[{rng.choice(PRODUCTS)}](product)", text)
    text = re.sub(r"\{num\}", lambda _: f"[{rng.choice(NUMBERS)}](order_number)", text)
    return text


def style(text: str, rng: random.Random) -> str:
    """Casing and punctuation the way people type: mostly lower case, sometimes
    capitalised, sometimes a question mark or full stop, sometimes a typo."""
    r = rng.random()
    if r < 0.35:
        text = text[0].upper() + text[1:]
        text = re.sub(r"\bi\b", "I", text)
    if rng.random() < 0.12:
        text = typo(text, rng)
    if not text.endswith(("?", ".", "!")):
        q = text.split(" ")[0].lower() in {"how", "what", "what's", "where", "where's", "when",
                                             "can", "could", "is", "do", "does", "which", "who",
                                             "would", "will", "has", "did", "was", "why"}
        p = rng.random()
        if q and p < 0.5:
            text += "?"
        elif p < 0.15:
            text += "."
    return text


def expand(spec: Dict[str, List[str]], rng: random.Random, n: int) -> List[str]:
    """All core × frame combinations, sampled down to n, then filled and styled."""
    combos = []
    for vp in spec.get("vp", []):
        combos += [f.format(vp=vp) for f in VP_FRAMES]
    for g in spec.get("ger", []):
        combos += [f.format(ger=g) for f in GER_FRAMES]
    for vp in spec.get("vp", []):
        combos += [f.format(ger=gerund(vp)) for f in GER_FRAMES[:6]]
    for np_ in spec.get("np", []):
        combos += [f.format(np=np_) for f in NP_FRAMES]
    questions = list(spec.get("q", []))
    rng.shuffle(combos)
    # every hand-written question once (twice if few), the rest from frames
    picked = questions + questions[: max(0, 40 - len(questions))] + combos[: max(0, n - len(questions))]
    out, seen = [], set()
    for t in picked:
        s = style(fill(t, rng), rng)
        key = re.sub(r"\W+", " ", re.sub(r"\]\([a-z_]+\)", "", s)).lower().strip()
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


PER_INTENT = {"out_of_scope": 700, "delivery_options": 330, "refund_status": 280,
              "start_return": 280, "return_policy": 280}
DEFAULT_N = 230


def _key(example: str) -> str:
    return re.sub(r"\W+", " ", re.sub(r"\]\([a-z_]+\)", "", example)).lower().strip()


def hand_written_keys() -> Dict[str, str]:
    """Examples already in the hand-written files: never repeated here, and never
    generated under another intent (Rasa rejects an example with two intents)."""
    keys: Dict[str, str] = {}
    for path in sorted(OUT.parent.glob("*.yml")):
        if path == OUT:
            continue
        intent = None
        for line in path.read_text().splitlines():
            m = re.match(r"- intent: (\S+)", line)
            if m:
                intent = m.group(1)
            elif intent and line.startswith("    - "):
                keys.setdefault(_key(line[6:]), "#hand-written")
    return keys


def render(rng_seed: int = SEED) -> str:
    rng = random.Random(rng_seed)
    lines = [
        "# GENERATED by `python -m bot.evaluation.generate_nlu` from hand-written templates",
        "# (see that module). Do not edit by hand: change the templates and regenerate.",
        'version: "3.1"',
        "nlu:",
    ]
    all_keys = hand_written_keys()
    for intent, spec in INTENTS.items():
        examples = expand(spec, rng, PER_INTENT.get(intent, DEFAULT_N))
        kept = []
        for e in examples:
            key = _key(e)
            if all_keys.setdefault(key, intent) == intent:
                kept.append(e)
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines += [f"    - {e}" for e in kept]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is stale: run python -m bot.evaluation.generate_nlu", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT} ({text.count(chr(10) + '    - ')} examples)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
