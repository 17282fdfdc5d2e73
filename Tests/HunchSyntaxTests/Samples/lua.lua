-- A simple stack and a word counter.
local Stack = {}
Stack.__index = Stack

function Stack.new()
  return setmetatable({ items = {}, size = 0 }, Stack)
end

function Stack:push(value)
  self.size = self.size + 1
  self.items[self.size] = value
end

function Stack:pop()
  if self.size == 0 then
    return nil
  end
  local value = self.items[self.size]
  self.items[self.size] = nil
  self.size = self.size - 1
  return value
end

local function count_words(text)
  local counts = {}
  for word in string.gmatch(text, "%a+") do
    local key = string.lower(word)
    counts[key] = (counts[key] or 0) + 1
  end
  return counts
end

local stack = Stack.new()
stack:push(1)
stack:push(2)
print(stack:pop(), count_words("a b a")["a"])

return { Stack = Stack, count_words = count_words }
