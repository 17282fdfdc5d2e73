# A tiny todo list with persistence.
require "json"

module Todo
  class Item
    attr_reader :title, :done

    def initialize(title, done: false)
      @title = title
      @done = done
    end

    def complete!
      @done = true
    end

    def to_h
      { "title" => title, "done" => done }
    end
  end

  class List
    include Enumerable

    def initialize
      @items = []
    end

    def add(title)
      @items << Item.new(title)
      self
    end

    def each(&block)
      @items.each(&block)
    end

    def pending
      reject(&:done)
    end

    def save(path)
      File.write(path, JSON.pretty_generate(map(&:to_h)))
    end
  end
end

list = Todo::List.new.add("write tests").add("ship")
list.first.complete!
puts "#{list.pending.size} pending"
