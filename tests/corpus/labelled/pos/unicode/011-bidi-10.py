# expect: unicode.bidi_control high
# path: lib/app/bank.py
def subtract_funds(account, amount):
    """ Subtract funds from bank account then ⁧"""; return; """⁩"""
    account.balance -= amount
