package org.example.bank;

import java.util.ArrayList;
import java.util.List;

/** A bank account with a transaction log. */
public class Account {
    private final String owner;
    private long balanceCents;
    private final List<String> log = new ArrayList<>();

    public Account(String owner, long openingCents) {
        this.owner = owner;
        this.balanceCents = openingCents;
    }

    public void deposit(long cents) {
        if (cents <= 0) {
            throw new IllegalArgumentException("deposit must be positive");
        }
        balanceCents += cents;
        log.add("deposit " + cents);
    }

    public boolean withdraw(long cents) {
        if (cents > balanceCents) {
            log.add("refused " + cents);
            return false;
        }
        balanceCents -= cents;
        log.add("withdraw " + cents);
        return true;
    }

    public long getBalanceCents() {
        return balanceCents;
    }

    interface Auditor {
        void audit(Account account);
    }

    @Override
    public String toString() {
        return owner + ": " + balanceCents / 100 + "." + String.format("%02d", balanceCents % 100);
    }
}
