"""Rasa graph components of the tip line (see config.yml and docs/nlu.md).

    pipeline:
      - name: bot.nlu.language_detector.LanguageDetector       # language of the message
      - name: WhitespaceTokenizer
      ...
      - name: bot.nlu.sentence_featurizer.SentenceEncoderFeaturizer  # multilingual vector
      - name: DIETClassifier
      - name: bot.nlu.embedding_classifier.EmbeddingIntentClassifier  # blended intents
      - name: bot.nlu.urgency.UrgencyClassifier                # urgent, in any language
      - name: FallbackClassifier
      - name: bot.nlu.blank_message.BlankMessageClassifier
"""
