using System;
using System.Collections.Generic;
using System.Linq;

namespace Sample.Grades
{
    public record Student(string Name, int Score);

    public interface IGrader
    {
        string Grade(int score);
    }

    public class Grader : IGrader
    {
        private readonly int _passMark;

        public Grader(int passMark = 50)
        {
            _passMark = passMark;
        }

        public string Grade(int score) => score >= _passMark ? "pass" : "fail";

        public IEnumerable<string> Report(IEnumerable<Student> students)
        {
            foreach (var student in students.OrderByDescending(s => s.Score))
            {
                yield return $"{student.Name}: {Grade(student.Score)}";
            }
        }
    }

    public static class Program
    {
        public static void Main()
        {
            var grader = new Grader();
            var students = new List<Student> { new("Ada", 91), new("Bo", 42) };
            foreach (var line in grader.Report(students))
            {
                Console.WriteLine(line);
            }
        }
    }
}
