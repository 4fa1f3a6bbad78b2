;;; switchboard-chat-tests.el --- Chat buffers  -*- lexical-binding: t; -*-

;;; Commentary:

;; Typing and sending with the keys, streaming, history (images
;; included), cancel, errors, presets, context, saving and reopening.

;;; Code:

(require 'switchboard-test-helpers)

(ert-deftest switchboard-chat-send-streams-and-waits-for-more ()
  "C-c RET sends the multi-line input; the answer streams in order; a new \"## You\" waits."
  (switchboard-tests-with-daemon
    (with-current-buffer (switchboard-chat)
      (should (eq major-mode 'switchboard-chat-mode))
      (should (equal (switchboard-tests-text) "## You\n"))
      (let* ((seen nil)
             (record (lambda (&rest _) (push (switchboard-tests-text) seen))))
        (advice-add 'switchboard-stream-insert :after record)
        (unwind-protect
            (progn (switchboard-tests-send "first line\nsecond line")
                   (switchboard-tests-idle))
          (advice-remove 'switchboard-stream-insert record))
        (should (equal (switchboard-tests-text)
                       "## You\nfirst line\nsecond line\n\n## Assistant\necho: first line\nsecond line\n\n## You\n"))
        (should (> (length seen) 4))
        (cl-loop for (later earlier) on seen while earlier
                 do (should (string-prefix-p (string-remove-suffix "\n## You\n" earlier) later))))
      (should (= (point) (point-max)))
      (should (equal (switchboard-tests-last-messages)
                     '(((role . "user") (content . "first line\nsecond line")))))
      (switchboard-tests-send "and then?")
      (switchboard-tests-idle)
      (should (equal (switchboard-tests-last-messages)
                     '(((role . "user") (content . "first line\nsecond line"))
                       ((role . "assistant") (content . "echo: first line\nsecond line"))
                       ((role . "user") (content . "and then?"))))))))

(ert-deftest switchboard-chat-follows-the-stream ()
  "In the selected window, point at the input follows the answer as it streams."
  (switchboard-tests-with-daemon
    (let ((buffer (switchboard-chat)))
      (switch-to-buffer buffer)
      (switchboard-tests-send "SLOW follow me")
      (should (switchboard-tests-wait-until (lambda () (string-suffix-p "echo: SLO" (switchboard-tests-text)))))
      (should (= (point) (point-max)))
      (should (= (window-point) (point-max)))
      (switchboard-tests-idle)
      (should (= (point) (point-max))))))

(ert-deftest switchboard-chat-cancel-keeps-the-text-so-far ()
  "C-c C-k cancels: the text so far, then [cancelled]; the mode line showed the key meanwhile."
  (switchboard-tests-with-daemon
    (with-current-buffer (switchboard-chat)
      (let ((full "echo: SLOW please count slowly to one hundred"))
        (switchboard-tests-send "SLOW please count slowly to one hundred")
        (should (switchboard-tests-wait-until (lambda () (string-suffix-p "echo: SLO" (switchboard-tests-text)))))
        ;; (format-mode-line evaluates no :eval in batch mode: the entry and its text, then)
        (should (member switchboard--mode-line-entry global-mode-string))
        (should (equal (substring-no-properties (switchboard--mode-line))
                       " [switchboard: answering, C-c C-k cancels]"))
        (switchboard-tests-key "C-c C-k")
        (switchboard-tests-idle)
        (should (eq (plist-get switchboard-last-outcome :outcome) 'cancelled))
        (should-not (member switchboard--mode-line-entry global-mode-string))
        (let* ((text (switchboard-tests-text))
               (partial (progn (string-match "## Assistant\n\\(.*\\)\n\\[cancelled\\]\n\n## You\n\\'" text)
                               (match-string 1 text))))
          (should partial)
          (should (string-prefix-p partial full))
          (should (< (length partial) (length full)))
          (switchboard-tests-wait-until #'ignore 0.6)
          (should (equal (switchboard-tests-text) text))
          (switchboard-tests-send "next")
          (switchboard-tests-idle)
          (should (equal (nth 1 (switchboard-tests-last-messages))
                         `((role . "assistant") (content . ,partial)))))))))

;; (the echo upstream answers "echo: <question>", so a question holding a
;; fenced block is answered with one)
(ert-deftest switchboard-chat-cancel-inside-a-code-block ()
  "A cancel inside a code block closes the fence before [cancelled]; the chat goes on."
  (switchboard-tests-with-daemon
    (with-current-buffer (switchboard-chat)
      (switchboard-tests-send "SLOW\n```python\nx = 1\ny = 2\n```")
      (should (switchboard-tests-wait-until (lambda () (string-match-p "echo: SLOW\n```python\nx" (switchboard-tests-text)))))
      (switchboard-tests-key "C-c C-k")
      (switchboard-tests-idle)
      (should (string-match-p "```python\nx[^`]*\n```\n\\[cancelled\\]\n\n## You\n\\'" (switchboard-tests-text)))
      (switchboard-tests-send "and after it?")
      (switchboard-tests-idle)
      (should (eq (plist-get switchboard-last-outcome :outcome) 'done))
      (let ((messages (switchboard-tests-last-messages)))
        (should (equal (car (last messages)) '((role . "user") (content . "and after it?"))))
        (should (string-match-p "\\`echo: SLOW\n```python\nx[^`]*\n```\\'" (alist-get 'content (nth 1 messages))))))))

(ert-deftest switchboard-chat-cut-off-and-failed-answers-are-closed ()
  "An answer cut by the token limit or failing inside a code block gets its fence closed and a note."
  (with-temp-buffer
    (cl-flet ((answer (outcome text)
                (erase-buffer)
                (insert "## You\nq\n\n## Assistant\n" text)
                (switchboard-chat--end (current-buffer) (point-max-marker) (append outcome (list :text text)))
                (buffer-substring-no-properties (point-min) (point-max))))
      (should (equal (answer '(:outcome done :result (:choices [(:finish_reason "length")])) "```sh\necho one")
                     "## You\nq\n\n## Assistant\n```sh\necho one\n```\n[cut off]\n\n## You\n"))
      (should (equal (answer '(:outcome error :error (:code -32603 :message "the upstream\nclosed")) "text\n```\ncode\n")
                     "## You\nq\n\n## Assistant\ntext\n```\ncode\n```\n[error -32603: the upstream closed]\n\n## You\n"))
      (should (equal (answer '(:outcome error :error (:message "cannot start the daemon")) "")
                     "## You\nq\n\n## Assistant\n[error: cannot start the daemon]\n\n## You\n"))
      (should (equal (answer '(:outcome done :result (:choices [(:finish_reason "stop")])) "done")
                     "## You\nq\n\n## Assistant\ndone\n\n## You\n")))))

;; (the echo upstream's log counts open connections: a cancelled stream's closes)
(ert-deftest switchboard-chat-killed-mid-answer-cancels-it ()
  "Killing a chat while it answers cancels the answer; adding a binary file is refused."
  (switchboard-tests-with-daemon
    (let ((chat (switchboard-chat)))
      (with-current-buffer chat
        (switchboard-tests-send "SLOW a chat about to close")
        (should (switchboard-tests-wait-until (lambda () (string-match-p "echo: SLO" (switchboard-tests-text))))))
      (kill-buffer chat)
      (switchboard-tests-idle)
      (should (eq (plist-get switchboard-last-outcome :outcome) 'cancelled)))
    (let ((file (make-temp-file "binary" nil ".bin")))
      (with-temp-file file (set-buffer-multibyte nil) (insert "ELF\0\1\2binary"))
      (should-error (switchboard-add-file file) :type 'user-error)
      (should (equal (switchboard-tests-text (switchboard-chat)) "## You\n")))))

(ert-deftest switchboard-chat-error-is-noted-without-warnings ()
  "An upstream 401 is noted in the chat and in the echo area, not in a *Warnings* window."
  (switchboard-tests-with-daemon
    (with-current-buffer (switchboard-chat)
      (let ((messages nil))
        (cl-letf* ((real-message (symbol-function 'message))
                   ((symbol-function 'message)
                    (lambda (format &rest args)
                      (when format (push (apply #'format-message format args) messages))
                      (apply real-message format args))))
          (switchboard-tests-send "FAIL401 now")
          (switchboard-tests-idle))
        (should (cl-some (lambda (m) (string-match-p "upstream HTTP 401: Incorrect API key provided" m)) messages))
        (should-not (get-buffer "*Warnings*"))
        (should (string-match-p "## Assistant\n\\[error -32001: upstream HTTP 401: Incorrect API key provided"
                                (switchboard-tests-text)))
        (switchboard-tests-send "still there?")
        (switchboard-tests-idle)
        (should-not (string-match-p "FAIL401" (format "%S" (switchboard-tests-last-messages))))))))

(ert-deftest switchboard-chat-image-stays-in-the-history ()
  "An attached image is sent again with the follow-up question."
  (switchboard-tests-with-daemon
    (with-current-buffer (switchboard-chat)
      (switchboard-add-image (getenv "SWITCHBOARD_TEST_PNG"))
      (switchboard-tests-send "What is in it?")
      (switchboard-tests-idle)
      (should (string-match-p "echo: What is in it\\? \\[1 image\\]" (switchboard-tests-text)))
      (switchboard-tests-send "And its colour?")
      (switchboard-tests-idle)
      (let* ((first (car (switchboard-tests-last-messages)))
             (parts (alist-get 'content first)))
        (should (equal (car parts) '((type . "text") (text . "What is in it?"))))
        (should (string-prefix-p "data:image/png;base64,"
                                 (alist-get 'url (alist-get 'image_url (nth 1 parts)))))))))

(ert-deftest switchboard-chat-preset-sets-system-prompt-and-model ()
  "A preset's system prompt opens the chat and its model answers."
  (switchboard-tests-with-daemon
    (let ((switchboard-presets '(("terse" :system "Be terse." :model "gpt-4o"))))
      (with-current-buffer (switchboard-new-chat "terse")
        (should (equal (switchboard-tests-text) "## System\nBe terse.\n\n## You\n"))
        (switchboard-tests-send "hi")
        (switchboard-tests-idle)
        (let ((body (car (last (switchboard-tests-chat-requests)))))
          (should (equal (alist-get 'model body) "gpt-4o"))
          (should (equal (alist-get 'messages body)
                         '(((role . "system") (content . "Be terse."))
                           ((role . "user") (content . "hi"))))))))))

(ert-deftest switchboard-chat-context-reaches-the-upstream ()
  "A region (fenced), a buffer and a file go into the input, then to the upstream."
  (switchboard-tests-with-daemon
    (let ((file (make-temp-file "context" nil ".py" "print(\"from a file\")\n"))
          (chat (switchboard-chat)))
      (with-temp-buffer
        (rename-buffer "source.el" t)
        (emacs-lisp-mode)
        (insert "(setq a 1)\n(setq b 2)\n")
        (transient-mark-mode 1)
        (goto-char (point-min))
        (forward-line 1)
        (set-mark (point))
        (goto-char (point-max))
        (call-interactively #'switchboard-add-region)
        (switchboard-add-buffer (current-buffer))
        (switchboard-add-file file)
        (with-current-buffer chat (switchboard-send))
        (switchboard-tests-idle)
        (should (equal (alist-get 'content (car (switchboard-tests-last-messages)))
                       (concat "File: source.el (lines 2-2)\n```emacs-lisp\n(setq b 2)\n```\n"
                               "File: source.el\n```emacs-lisp\n(setq a 1)\n(setq b 2)\n```\n"
                               "File: " (abbreviate-file-name file) "\n```py\nprint(\"from a file\")\n```")))))))

(ert-deftest switchboard-chat-save-and-reopen ()
  "A chat saved with C-x C-w stays a chat; reopened, it continues the conversation."
  (switchboard-tests-with-daemon
    (let ((file (make-temp-file "chat" nil ".md")))
      (with-current-buffer (switchboard-chat)
        (switchboard-tests-send "remember this")
        (switchboard-tests-idle)
        (write-file file)
        (should (eq major-mode 'switchboard-chat-mode))
        (kill-buffer))
      (with-current-buffer (switchboard-open file)
        (should (eq major-mode 'switchboard-chat-mode))
        (should (= (point) (point-max)))
        (switchboard-tests-send "what did I say?")
        (switchboard-tests-idle)
        (should (equal (mapcar (lambda (m) (alist-get 'content m)) (switchboard-tests-last-messages))
                       '("remember this" "echo: remember this" "what did I say?")))
        (save-buffer)
        (should (string-suffix-p "echo: what did I say?\n\n## You\n"
                                 (with-temp-buffer (insert-file-contents file) (buffer-string))))
        (kill-buffer)))))

(provide 'switchboard-chat-tests)
;;; switchboard-chat-tests.el ends here
