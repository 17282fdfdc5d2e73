// A tiny event emitter and a rate-limited fetch queue.
'use strict';

const DEFAULT_LIMIT = 4;

class EventEmitter {
  constructor() {
    this.listeners = new Map();
  }

  on(event, listener) {
    const list = this.listeners.get(event) || [];
    list.push(listener);
    this.listeners.set(event, list);
    return () => this.off(event, listener);
  }

  off(event, listener) {
    const list = this.listeners.get(event) || [];
    this.listeners.set(event, list.filter((l) => l !== listener));
  }

  emit(event, ...args) {
    for (const listener of this.listeners.get(event) || []) {
      listener(...args);
    }
  }
}

function createQueue(limit = DEFAULT_LIMIT) {
  const pending = [];
  let running = 0;

  const next = async () => {
    if (running >= limit || pending.length === 0) return;
    running += 1;
    const { task, resolve, reject } = pending.shift();
    try {
      resolve(await task());
    } catch (error) {
      reject(error);
    } finally {
      running -= 1;
      next();
    }
  };

  return function enqueue(task) {
    return new Promise((resolve, reject) => {
      pending.push({ task, resolve, reject });
      next();
    });
  };
}

const formatBytes = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

module.exports = { EventEmitter, createQueue, formatBytes };
