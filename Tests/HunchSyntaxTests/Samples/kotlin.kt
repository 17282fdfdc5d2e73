package sample.library

data class Book(val title: String, val author: String, val year: Int)

interface Catalog {
    fun find(query: String): List<Book>
}

class Library(private val books: MutableList<Book> = mutableListOf()) : Catalog {
    fun add(book: Book) {
        books.add(book)
    }

    override fun find(query: String): List<Book> =
        books.filter { it.title.contains(query, ignoreCase = true) || it.author.contains(query, ignoreCase = true) }

    fun oldest(): Book? = books.minByOrNull { it.year }
}

object Defaults {
    const val PAGE_SIZE = 20
}

fun main() {
    val library = Library()
    library.add(Book("Dune", "Frank Herbert", 1965))
    library.add(Book("Emma", "Jane Austen", 1815))
    println(library.find("dune").size)
    println(library.oldest()?.title ?: "none")
}
