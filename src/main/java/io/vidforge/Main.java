package io.vidforge; public class Main { public static void main(String[] a){} }
