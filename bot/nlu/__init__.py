"""Rasa graph components of the tip line, placed before the tokenizer in config.yml.

    pipeline:
      - name: bot.nlu.language_detector.LanguageDetector
      - name: bot.nlu.translator.Translator
      - name: WhitespaceTokenizer
      ...
"""
